package publishing

import (
	"regexp"
	"strings"
	"testing"
)

func TestRenderHTML(t *testing.T) {
	got := RenderHTML("# Panen raya\n\nPetani **Desa Jahab** panen [padi](https://kukarkab.go.id).\n\n| a | b |\n|---|---|\n| 1 | 2 |")
	for _, want := range []string{"<h1", "Panen raya</h1>", "<strong>Desa Jahab</strong>", `href="https://kukarkab.go.id"`, `rel="nofollow noopener"`, "<table>"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %s", want, got)
		}
	}
}

// TestRenderHTMLRefusesXSS holds the renderer against the usual payloads.
func TestRenderHTMLRefusesXSS(t *testing.T) {
	payloads := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`<svg onload=alert(1)>`,
		`[klik](javascript:alert(1))`,
		`[klik](JaVaScRiPt:alert(1))`,
		`[klik](  javascript:alert(1))`,
		`[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`[klik](vbscript:msgbox(1))`,
		`![x](javascript:alert(1))`,
		`<a href="javascript:alert(1)">x</a>`,
		`<iframe src="https://evil.example"></iframe>`,
		`<div style="background:url(javascript:alert(1))">x</div>`,
		`<body onload=alert(1)>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<a href="#" onclick="alert(1)">x</a>`,
		"<scr<script>ipt>alert(1)</script>",
		`<form action="https://evil.example"><input name=p></form>`,
		`<object data="x.swf"></object><embed src="x.swf">`,
		`<meta http-equiv="refresh" content="0;url=https://evil.example">`,
		`<link rel=stylesheet href=https://evil.example/x.css>`,
		"```html\n<script>alert(1)</script>\n```",
		`<details open ontoggle=alert(1)>`,
		`[x](https://ok.example "title\" onmouseover=\"alert(1))`,
	}
	tag := regexp.MustCompile(`<[^>]*>`)
	handler := regexp.MustCompile(`\son[a-z]+\s*=`)
	for _, p := range payloads {
		// Only markup matters: the same words as escaped text are harmless.
		tags := strings.ToLower(strings.Join(tag.FindAllString(RenderHTML(p), -1), " "))
		if handler.MatchString(tags) {
			t.Errorf("%q rendered an event handler: %s", p, tags)
		}
		for _, bad := range []string{"<script", "javascript:", "vbscript:", "data:", "style=", "<iframe", "<style", "<form", "<input",
			"<object", "<embed", "<meta", "<link", "<svg", "<math", "<body", "<details"} {
			if strings.Contains(tags, bad) {
				t.Errorf("%q rendered %q, which holds %q", p, tags, bad)
			}
		}
	}
	// Code stays visible as text.
	if got := RenderHTML("```html\n<script>alert(1)</script>\n```"); !strings.Contains(got, "&lt;script&gt;") {
		t.Errorf("code block: %s", got)
	}
}

func TestExcerpt(t *testing.T) {
	got := Excerpt("# Judul\n\nPetani **Desa Jahab** memanen padi di sawah yang luas & subur.", 40)
	if got != "Judul Petani Desa Jahab memanen padi di…" {
		t.Errorf("excerpt %q", got)
	}
}
