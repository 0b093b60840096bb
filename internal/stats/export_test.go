package stats

// SetFoldBatch sets how many stripe rows a fold's statement takes, until
// the returned function restores it.
func SetFoldBatch(n int) (restore func()) {
	old := foldBatch
	foldBatch = n
	return func() { foldBatch = old }
}
