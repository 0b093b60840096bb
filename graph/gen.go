// Package graph is kimhub's GraphQL transport: resolvers unpack arguments,
// call one internal/ service or loader, and return domain types.
package graph

//go:generate sh -c "cd .. && go tool gqlgen generate && go run ./graph/internal/trimgen graph/generated.go"
