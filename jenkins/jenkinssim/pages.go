package jenkinssim

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
)

// HTML pages: the servlet container's error page (Jetty 12's ErrorHandler), Jenkins' 404
// (_404.jelly), its Failure page (error.jelly, HTTP 400), its "Oops!" page (oops.jelly), the
// RequirePOST page, the 403 login redirect, and small stand-ins for the pages a browser or a
// client following redirects would land on.

// advertise sets Functions.advertiseHeaders' headers.
func (s *Sim) advertise(h http.Header) {
	h.Set("X-Hudson", "1.395")
	h.Set("X-Jenkins", s.opts.Version)
	h.Set("X-Jenkins-Session", s.sessionHash)
	h.Set("X-Content-Type-Options", "nosniff")
}

// containerError is HttpServletResponse.sendError rendered by Jetty's ErrorHandler: no Jenkins
// headers, ISO-8859-1.
func (s *Sim) containerError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/html;charset=iso-8859-1")
	h.Set("Cache-Control", "must-revalidate,no-cache,no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if msg == "" {
		msg = http.StatusText(status)
	}
	m := html.EscapeString(msg)
	body := fmt.Sprintf(`<html>
<head>
<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>
<title>Error %d %s</title>
</head>
<body>
<h2>HTTP ERROR %d %s</h2>
<table>
<tr><th>URI:</th><td>%s</td></tr>
<tr><th>STATUS:</th><td>%d</td></tr>
<tr><th>MESSAGE:</th><td>%s</td></tr>
</table>

</body>
</html>
`, status, m, status, m, html.EscapeString(r.URL.EscapedPath()), status, m)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// page writes a page in Jenkins' layout with the given status.
func (s *Sim) page(w http.ResponseWriter, status int, title, body string) {
	h := w.Header()
	s.advertise(h)
	h.Set("Content-Type", "text/html;charset=utf-8")
	h.Set("Expires", "0")
	h.Set("Cache-Control", "no-cache,no-store,must-revalidate")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `<!DOCTYPE html><html class=""><head resURL="/static/%s" data-rooturl="" data-resurl="/static/%s"><title>%s</title></head><body id="jenkins" class="yui-skin-sam one-column jenkins-%s" data-version="%s">
<div id="page-body" class="app-page-body">
<div id="main-panel">
%s
</div>
</div>
</body></html>
`, s.sessionHash, s.sessionHash, html.EscapeString(title), html.EscapeString(s.opts.Version), html.EscapeString(s.opts.Version), body)
}

// notFound is Jenkins' _404.jelly on a secured controller.
func (s *Sim) notFound(w http.ResponseWriter, a *authn) {
	body := `<h1 style="text-align: center"><img src="/images/rage.svg" height="179" width="154"/><span style="font-size:50px">&nbsp;Oops!</span></h1>
<div id="error-description" style="text-align: center"><h2>Not Found</h2>
<p>This page may not exist, or you may not have permission to see it.`
	if a == nil || a.anonymous() {
		body += ` If you have an account, try logging in.`
	}
	body += `</p></div>`
	s.page(w, http.StatusNotFound, "Not Found [Jenkins]", body)
}

// failure is hudson.model.Failure rendered by error.jelly: HTTP 400 with the message in the
// X-Error header and the page.
func (s *Sim) failure(w http.ResponseWriter, msg string) {
	w.Header().Set("X-Error", headerSafe(msg))
	s.page(w, http.StatusBadRequest, "Jenkins", "<h1>Error</h1><p>"+html.EscapeString(msg)+"</p>")
}

// oops is oops.jelly: the page for an exception Jenkins did not handle, with the given status.
func (s *Sim) oops(w http.ResponseWriter, status int) {
	id := fmt.Sprintf("%x-%x-%x-%x-%x", randomBytes(4), randomBytes(2), randomBytes(2), randomBytes(2), randomBytes(6))
	body := `<h1 style="text-align: center"><img src="/images/rage.svg" height="179" width="154"/> <span style="font-size:50px">&nbsp;Oops!</span></h1>
<div id="error-description"><h2 style="text-align: center">A problem occurred while processing the request</h2>
<p style="text-align: center">Logging ID=` + id + `</p></div>`
	s.page(w, status, "Jenkins", body)
}

// requirePOST is the page Jenkins shows for a GET on a @RequirePOST method.
func (s *Sim) requirePOST(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "POST")
	u := s.URL() + strings.TrimPrefix(r.URL.RequestURI(), "/")
	body := `<h1>This URL requires POST</h1>
<p>The URL you're trying to access requires that requests be sent using POST (like a form submission). The button below allows you to retry accessing this URL using POST. URL being accessed:</p>
<pre>` + html.EscapeString(u) + `</pre>
<form method="POST"><input type="submit" value="Proceed"></form>`
	s.page(w, http.StatusMethodNotAllowed, "Jenkins", body)
}

// loginRequiredPage is what HudsonAuthenticationEntryPoint prints (Util.printRedirect and
// AccessDeniedException3.report), padded with spaces as Jenkins does.
func (s *Sim) loginRequiredPage(from string, a *authn) string {
	login := "/login?from=" + url.QueryEscape(from)
	var b strings.Builder
	fmt.Fprintf(&b, "<html><head><meta http-equiv='refresh' content='1;url=%s'/><script id='redirect' data-redirect-url='%s' src='/static/%s/scripts/redirect.js'></script></head><body style='background-color:white; color:white;'>\n", html.EscapeString(login), html.EscapeString(login), s.sessionHash)
	b.WriteString("Authentication required\n<!--\n")
	b.WriteString("You are authenticated as: " + a.name() + "\n")
	b.WriteString("Groups that you are in:\n")
	b.WriteString("  anonymous\n")
	b.WriteString("Permission you need to have (but didn't): hudson.model.Hudson.Read\n")
	b.WriteString(" ... which is implied by: hudson.security.Permission.GenericRead\n")
	b.WriteString(" ... which is implied by: hudson.model.Hudson.Administer\n")
	b.WriteString("-->\n\n</body></html>")
	b.WriteString(strings.Repeat(" ", 300))
	return b.String()
}

// faultPage is the page of an injected failure: Jenkins' "Oops!" page for 500 and the servlet
// container's page for other codes (what a controller that is starting or behind a failing
// proxy shows differs; the status code is what clients act on).
func (s *Sim) faultPage(w http.ResponseWriter, r *http.Request, status int) {
	if status == http.StatusInternalServerError {
		s.oops(w, status)
		return
	}
	s.containerError(w, r, status, http.StatusText(status))
}

// headerSafe removes what cannot appear in a header value.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// simplePage renders a small page with a heading and lines of text.
func (s *Sim) simplePage(w http.ResponseWriter, title string, lines ...string) {
	var b strings.Builder
	b.WriteString("<h1>" + html.EscapeString(title) + "</h1>\n")
	for _, l := range lines {
		b.WriteString("<p>" + html.EscapeString(l) + "</p>\n")
	}
	s.page(w, http.StatusOK, title+" [Jenkins]", b.String())
}
