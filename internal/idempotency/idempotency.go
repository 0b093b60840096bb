// Package idempotency lets a client on a dropping connection resend a
// creating mutation with the same key and get the first result back, never
// a duplicate. Keys are per account and per operation.
package idempotency

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
)

// MaxKeyLength bounds a key.
const MaxKeyLength = 100

// Check validates a key ("" means none) and returns it trimmed.
func Check(key string) (string, error) {
	key = strings.TrimSpace(key)
	if len(key) > MaxKeyLength {
		return "", apperr.Invalid("idempotencyKey", "the idempotency key may have at most %d characters", MaxKeyLength)
	}
	return key, nil
}

// Lookup returns the result recorded for (account, operation, key), or 0.
func Lookup(ctx context.Context, db sqlx.QueryerContext, accountID int64, operation, key string) (int64, error) {
	if key == "" {
		return 0, nil
	}
	var id int64
	err := sqlx.GetContext(ctx, db, &id, `SELECT result_id FROM idempotency_keys
		WHERE account_id = $1 AND operation = $2 AND key = $3`, accountID, operation, key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, postgres.MapError(err, "idempotency lookup", "")
}

// ErrReplayed is returned by Record when another request with the same key
// committed first; the caller rolls back and returns that request's result.
type ErrReplayed struct{ ResultID int64 }

func (e ErrReplayed) Error() string { return "idempotency key already used" }

// Record writes the key with its result inside the creating transaction. If
// a concurrent request holds the same key, the insert waits for it; once it
// has committed, Record returns ErrReplayed with its result.
func Record(ctx context.Context, tx *sqlx.Tx, accountID int64, operation, key string, resultID int64) error {
	if key == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SAVEPOINT idem`)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (account_id, operation, key, result_id)
		VALUES ($1, $2, $3, $4)`, accountID, operation, key, resultID)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT idem`); err != nil {
			return err
		}
		id, err := Lookup(ctx, tx, accountID, operation, key)
		if err != nil {
			return err
		}
		return ErrReplayed{ResultID: id}
	}
	return err
}

// Claim, inside the creating transaction, waits for any other request with
// the same key to finish and returns its result (0 if there is none): with
// it, a resend that races its first request replays it instead of failing
// on whatever the first one created.
func Claim(ctx context.Context, tx *sqlx.Tx, accountID int64, operation, key string) (int64, error) {
	if key == "" {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
		fmt.Sprintf("%d|%s|%s", accountID, operation, key)); err != nil {
		return 0, err
	}
	return Lookup(ctx, tx, accountID, operation, key)
}

// Do runs create in a transaction guarded by the key: a resend waits for
// its first request and gets that request's result back instead of a
// second one. create leaves the ID of what it made in *result; Do returns
// the ID of the earlier result when the request was a replay (0
// otherwise).
func Do(ctx context.Context, db *sqlx.DB, accountID int64, operation, key string, result *int64, create func(tx *sqlx.Tx) error) (replayed int64, err error) {
	err = postgres.Transact(ctx, db, nil, func(tx *sqlx.Tx) error {
		if id, err := Claim(ctx, tx, accountID, operation, key); err != nil || id != 0 {
			if err == nil {
				err = ErrReplayed{ResultID: id}
			}
			return err
		}
		if err := create(tx); err != nil {
			return err
		}
		return Record(ctx, tx, accountID, operation, key, *result)
	})
	var replay ErrReplayed
	if errors.As(err, &replay) {
		return replay.ResultID, nil
	}
	return 0, err
}
