package publishing

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders CommonMark with tables, strikethrough and autolinks.
// Raw HTML in the source is not passed through (goldmark's default), and
// the result is sanitised again by policy, so that nothing a writer types
// runs in a reader's browser.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

// policy is bluemonday's policy for user content: no script, no event
// handlers, no style, only http(s) and mailto links, which get
// rel="nofollow noopener" and open in a new tab.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// RenderHTML turns a Markdown body into safe HTML.
func RenderHTML(md string) string {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		return policy.Sanitize("<p>" + md + "</p>")
	}
	return policy.Sanitize(buf.String())
}

// Excerpt is the first words of a body as plain text, for feeds.
func Excerpt(md string, max int) string {
	text := bluemonday.StrictPolicy().Sanitize(RenderHTML(md))
	text = strings.Join(strings.Fields(htmlUnescape(text)), " ")
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	r := []rune(text)[:max]
	if i := strings.LastIndexByte(string(r), ' '); i > max/2 {
		return string(r)[:i] + "…"
	}
	return string(r) + "…"
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}
