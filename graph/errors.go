package graph

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/reqlog"
)

// presentError is the one place where an error becomes what a client sees.
// An *apperr.Error shows its code, safe message, field and extensions. The
// parser's and validator's own errors keep their codes (GRAPHQL_PARSE_FAILED,
// GRAPHQL_VALIDATION_FAILED), and the cost limits become TOO_LARGE. A value
// a scalar could not read is BAD_USER_INPUT on its argument or input field,
// with the scalar's message. Anything else is INTERNAL: logged with its
// cause, shown only as "internal error" and the request ID, never with
// SQL, driver text or a stack trace.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Err == nil {
		// Produced by gqlgen itself: parse, validation, limits.
		out := *gqlErr
		out.Extensions = copyExtensions(gqlErr.Extensions)
		switch code, _ := out.Extensions["code"].(string); code {
		case "COMPLEXITY_LIMIT_EXCEEDED", codeDepthLimit:
			out.Extensions["code"] = string(apperr.TooLarge)
		case "":
			out.Extensions["code"] = string(apperr.BadUserInput)
		}
		return &out
	}
	out := graphql.DefaultErrorPresenter(ctx, err)
	ae, ok := apperr.As(err)
	if !ok && postgres.Ended(err) {
		// A loader's wait or fetch ended with the request: not a fault.
		ae, ok = &apperr.Error{Code: apperr.Unavailable, Message: "the request was cancelled or timed out", Err: err}, true
	}
	arg := argumentAt(ctx, out.Path)
	if !ok && arg != "" {
		// A value one of gqlgen's own scalars could not read (a Time, an
		// Int): the caller's input, with the scalar's message.
		ae, ok = &apperr.Error{Code: apperr.BadUserInput, Message: out.Message, Field: arg, Err: err}, true
	}
	if !ok || ae.Code == apperr.Internal {
		reqlog.Logger(ctx).ErrorContext(ctx, "internal error", "path", out.Path.String(), "err", err)
		out.Message = "internal error; quote request " + reqlog.ID(ctx) + " when you report it"
		out.Extensions = map[string]any{"code": string(apperr.Internal), "requestId": reqlog.ID(ctx)}
		return out
	}
	if ae.Code == apperr.Unavailable && ctx.Err() == nil {
		// (Not when the request itself has ended, the client gone or its
		// time up: then every field still to resolve fails alike, and the
		// request's own log line says it.)
		reqlog.Logger(ctx).WarnContext(ctx, "unavailable", "path", out.Path.String(), "err", err)
	}
	out.Message = ae.Message
	out.Extensions = copyExtensions(ae.Extensions)
	out.Extensions["code"] = string(ae.Code)
	field := ae.Field
	if field == "" && ae.Code == apperr.BadUserInput {
		field = arg
	}
	if field != "" {
		out.Extensions["field"] = field
	}
	return out
}

// argumentAt names the argument or input field an error's path ends in
// below the field being resolved (a scalar that could not read its value:
// regionStats(from: "25-11-2026") fails at path regionStats.from), or ""
// when the error is the field's own. Only gqlgen's argument parsing puts
// a name below the field's path; a resolver that adds an error below its
// own path does so by index (node.go's nodes), which names nothing here.
// A resolver must not add one under a name: its error would be shown as
// the caller's input.
func argumentAt(ctx context.Context, path ast.Path) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(path) <= len(fc.Path()) {
		return ""
	}
	name, _ := path[len(path)-1].(ast.PathName)
	return string(name)
}

func copyExtensions(in map[string]any) map[string]any {
	out := make(map[string]any, len(in)+2)
	for k, v := range in {
		out[k] = v
	}
	return out
}

// recoverPanic turns a resolver's panic into an INTERNAL error and logs the
// stack; the server keeps serving.
func recoverPanic(ctx context.Context, p any) error {
	reqlog.Logger(ctx).ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return &apperr.Error{Code: apperr.Internal, Message: "internal error", Err: fmt.Errorf("panic: %v", p)}
}
