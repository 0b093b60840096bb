package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// jsonPOST is gqlgen's transport.POST (same requests, statuses and content
// types) but for how it writes an answer: transport.POST passes the whole
// response to json.Marshal, which parses and compacts the data the
// executor has already written as JSON all over again (encoding/json
// checks every json.RawMessage it marshals), a tenth of the CPU of a
// large dashboard answer. writeResponse copies the data as it is. It has
// none of transport.POST's options (kimhub sets none).
type jsonPOST struct{}

// Supports is transport.POST's: a POST of application/json that is not an
// Upgrade.
func (jsonPOST) Supports(r *http.Request) bool { return transport.POST{}.Supports(r) }

func (jsonPOST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	graphqlJSON := wantsGraphQLResponseJSON(r.Header.Get("Accept"))
	if graphqlJSON {
		w.Header().Set("Content-Type", "application/graphql-response+json")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, body)}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, opErr := exec.CreateOperationContext(ctx, &params)
	if opErr != nil {
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			if graphqlJSON {
				w.WriteHeader(http.StatusBadRequest)
			} else {
				w.WriteHeader(http.StatusUnprocessableEntity)
			}
		}
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// wantsGraphQLResponseJSON is transport.POST's choice of content type for
// an Accept header (with no configured headers and application/json as
// the default): the first media type it knows decides.
func wantsGraphQLResponseJSON(accept string) bool {
	if accept == "" {
		return false
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", "application/json":
			return false
		case "application/graphql-response+json":
			return true
		}
	}
	return true
}

// writeResponse writes what json.Marshal(resp) would, with resp.Data
// copied rather than re-parsed: the same bytes, but that json.Marshal
// also escapes <, > and & inside the data's strings (\u003c…), the same
// strings once parsed. The fields of an incremental
// (deferred) answer go through json.Marshal as before, and no response
// (the executor's when the request ended before it ran) is null.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp == nil {
		_, _ = w.Write([]byte("null"))
		return
	}
	if resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		b, err := json.Marshal(resp)
		if err != nil {
			panic(err)
		}
		_, _ = w.Write(b)
		return
	}
	buf := make([]byte, 0, len(resp.Data)+64)
	buf = append(buf, '{')
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			panic(err)
		}
		buf = append(append(append(buf, `"errors":`...), errs...), ',')
	}
	buf = append(buf, `"data":`...)
	if len(resp.Data) == 0 {
		buf = append(buf, "null"...)
	} else {
		buf = append(buf, resp.Data...)
	}
	if len(resp.Extensions) > 0 {
		ext, err := json.Marshal(resp.Extensions)
		if err != nil {
			panic(err)
		}
		buf = append(append(buf, `,"extensions":`...), ext...)
	}
	_, _ = w.Write(append(buf, '}'))
}
