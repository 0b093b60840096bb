// Command benchmedia measures media uploads side by side, in one run:
// upload throughput and the server's memory for path A (the GraphQL
// multipart request), path B (presigned, straight to storage) and, as the
// reference, minio-go PutObject straight to the same MinIO. It starts its
// own `kimhub serve` (so that the server's memory is the server's alone),
// reads its resident memory from /proc while each upload runs, and prints a
// Markdown table with ratios to the reference.
//
//	make bench-media   (or: go build -o bin/kimhub ./cmd/kimhub && go run ./cmd/benchmedia)
//
// It needs DATABASE_URL and S3_* (scripts/services.sh up prints them).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	bin := flag.String("bin", "bin/kimhub", "the kimhub binary to start")
	small := flag.Int64("small", 16<<20, "bytes of the file sent by all three paths")
	large := flag.Int64("large", 1<<30, "bytes of the large file sent by path B and PutObject")
	reps := flag.Int("reps", 3, "uploads of the small file per path")
	flag.Parse()
	if err := run(*bin, *small, *large, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "benchmedia:", err)
		os.Exit(1)
	}
}

type result struct {
	path      string
	bytes     int64
	took      time.Duration
	rssGrowth int64 // peak resident memory of the server during the upload, above its level before
}

func (r result) mbps() float64 { return float64(r.bytes) / (1 << 20) / r.took.Seconds() }

func run(bin string, small, large int64, reps int) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	// The server's limits must admit the large file through path B and the
	// small one through path A.
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "KIMHUB_ADDR="+addr, "KIMHUB_LOG_LEVEL=warn",
		"KIMHUB_MEDIA_MAX_DOCUMENT_BYTES="+strconv.FormatInt(max(large, small)+1, 10), "KIMHUB_JANITOR_INTERVAL=0")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return err
	}
	c := &client{base: base}
	if err := c.signUpAndLogIn(); err != nil {
		return err
	}
	s3, bucket, err := minioClient()
	if err != nil {
		return err
	}
	pid := cmd.Process.Pid
	measure := func(path string, size int64, upload func() error) (result, error) {
		before := rss(pid)
		var peak atomic.Int64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				if v := rss(pid); v > peak.Load() {
					peak.Store(v)
				}
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
		t0 := time.Now()
		err := upload()
		took := time.Since(t0)
		close(stop)
		<-done
		return result{path: path, bytes: size, took: took, rssGrowth: max(0, peak.Load()-before)}, err
	}

	var rows [][]result
	for _, size := range []int64{small, large} {
		var row []result
		paths := []struct {
			name string
			fn   func(int64, int) error
		}{
			{"minio-go PutObject (reference)", func(n int64, i int) error {
				_, err := s3.PutObject(context.Background(), bucket, fmt.Sprintf("bench/%d-%d", n, i), pdfReader(n), n, minio.PutObjectOptions{PartSize: 16 << 20})
				return err
			}},
			{"path B: presigned, straight to storage", func(n int64, i int) error { return c.direct(n) }},
		}
		if size == small {
			paths = append(paths, struct {
				name string
				fn   func(int64, int) error
			}{"path A: GraphQL multipart upload", func(n int64, i int) error { return c.upload(n) }})
		}
		n := reps
		if size == large {
			n = 1
		}
		for _, p := range paths {
			var best result
			for i := 0; i < n; i++ {
				r, err := measure(p.name, size, func() error { return p.fn(size, i) })
				if err != nil {
					return fmt.Errorf("%s, %d bytes: %w", p.name, size, err)
				}
				if best.took == 0 || r.took < best.took {
					growth := max(best.rssGrowth, r.rssGrowth)
					best = r
					best.rssGrowth = growth
				} else {
					best.rssGrowth = max(best.rssGrowth, r.rssGrowth)
				}
			}
			row = append(row, best)
		}
		rows = append(rows, row)
	}
	fmt.Printf("| file | path | time (best of runs) | MiB/s | time ÷ PutObject time | server memory growth |\n|---|---|---|---|---|---|\n")
	for _, row := range rows {
		ref := row[0]
		for _, r := range row {
			fmt.Printf("| %s | %s | %v | %.0f | %.2f | %s |\n", size(r.bytes), r.path, r.took.Round(time.Millisecond),
				r.mbps(), r.took.Seconds()/ref.took.Seconds(), mem(r.rssGrowth, r.path == ref.path))
		}
	}
	return nil
}

func size(n int64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func mem(n int64, reference bool) string {
	if reference {
		return "— (no server involved)"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// rss is a process's resident memory in bytes, from /proc.
func rss(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// pdfReader streams n bytes that sniff as a PDF, without holding them.
func pdfReader(n int64) io.Reader {
	head := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	return io.MultiReader(bytes.NewReader(head), io.LimitReader(randReader{rng}, n-int64(len(head))))
}

type randReader struct{ r *rand.Rand }

func (r randReader) Read(p []byte) (int, error) {
	for i := 0; i+8 <= len(p); i += 8 {
		v := r.r.Uint64()
		for j := 0; j < 8; j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	for i := len(p) &^ 7; i < len(p); i++ {
		p[i] = byte(r.r.Uint32())
	}
	return len(p), nil
}

type client struct {
	base, token string
}

func (c *client) gql(query string, vars map[string]any, into any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", c.base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.do(req, into)
}

func (c *client) do(req *http.Request, into any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("status %d: %w", resp.StatusCode, err)
	}
	if len(out.Errors) > 0 {
		return errors.New(out.Errors[0].Message)
	}
	return json.Unmarshal(out.Data, into)
}

func (c *client) signUpAndLogIn() error {
	email := fmt.Sprintf("bench-%d@bench.kimhub.id", time.Now().UnixNano())
	const pw = "uji-kinerja-unggah-77"
	var x any
	if err := c.gql(`mutation($e: String!, $p: String!) { signUp(input: {name: "Bench", email: $e, password: $p}) { account { id } } }`,
		map[string]any{"e": email, "p": pw}, &x); err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	var d struct {
		LogIn struct{ Tokens struct{ AccessToken string } }
	}
	if err := c.gql(`mutation($e: String!, $p: String!) { logIn(input: {login: $e, password: $p}) { tokens { accessToken } } }`,
		map[string]any{"e": email, "p": pw}, &d); err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	c.token = d.LogIn.Tokens.AccessToken
	return nil
}

// upload sends n bytes through path A, as a phone app does: a multipart
// body with its length (the client builds it in a temporary file).
func (c *client) upload(n int64) error {
	f, err := os.CreateTemp("", "benchmedia-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	mw := multipart.NewWriter(f)
	mw.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadMedia(input: {file: $f}) { asset { id } } }","variables":{"f":null}}`)
	mw.WriteField("map", `{"0":["variables.f"]}`)
	fw, _ := mw.CreateFormFile("0", "bench.pdf")
	if _, err := io.Copy(fw, pdfReader(n)); err != nil {
		return err
	}
	mw.Close()
	size, _ := f.Seek(0, io.SeekCurrent)
	f.Seek(0, io.SeekStart)
	req, _ := http.NewRequest("POST", c.base+"/graphql", f)
	req.ContentLength = size
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	var x any
	return c.do(req, &x)
}

// direct sends n bytes through path B: request, PUT the parts (or one
// POST) straight to storage, confirm.
func (c *client) direct(n int64) error {
	var d struct {
		RequestMediaUpload struct {
			Asset  struct{ ID string }
			Upload struct {
				Method   string
				URL      string
				Fields   []struct{ Name, Value string }
				PartSize int64
				Parts    []struct {
					PartNumber int
					URL        string
				}
			}
		}
	}
	err := c.gql(`mutation($n: Int!) { requestMediaUpload(input: {filename: "bench.pdf", size: $n}) {
		asset { id } upload { method url fields { name value } partSize parts { partNumber url } } } }`, map[string]any{"n": n}, &d)
	if err != nil {
		return err
	}
	up := d.RequestMediaUpload.Upload
	data := pdfReader(n)
	if up.Method == "POST" {
		// Storage wants a POST with a length: build the form (one part's
		// worth at most) in the client's memory.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, f := range up.Fields {
			mw.WriteField(f.Name, f.Value)
		}
		fw, _ := mw.CreateFormFile("file", "bench.pdf")
		io.Copy(fw, data)
		mw.Close()
		resp, err := http.Post(up.URL, mw.FormDataContentType(), &body)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("POST: %d", resp.StatusCode)
		}
	} else {
		for _, p := range up.Parts {
			partLen := min(up.PartSize, n-int64(p.PartNumber-1)*up.PartSize)
			req, _ := http.NewRequest("PUT", p.URL, io.LimitReader(data, partLen))
			req.ContentLength = partLen
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("PUT part %d: %d", p.PartNumber, resp.StatusCode)
			}
		}
	}
	var x any
	return c.gql(`mutation($id: ID!) { confirmMediaUpload(input: {assetId: $id}) { asset { status } } }`,
		map[string]any{"id": d.RequestMediaUpload.Asset.ID}, &x)
}

func minioClient() (*minio.Client, string, error) {
	endpoint, bucket := os.Getenv("S3_ENDPOINT"), os.Getenv("S3_BUCKET")
	if endpoint == "" {
		endpoint = "127.0.0.1:9000"
	}
	if bucket == "" {
		bucket = "kimhub-media"
	}
	c, err := minio.New(endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(os.Getenv("S3_ACCESS_KEY"), os.Getenv("S3_SECRET_KEY"), ""),
		Region: "us-east-1",
	})
	return c, bucket, err
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the server did not become ready")
}
