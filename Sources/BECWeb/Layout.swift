import Hummingbird

/// The page shell: one inline stylesheet (allowed by the CSP nonce), the navigation, the body.
/// No scripts anywhere: the UI works with links and POST forms only.
enum Layout {
    static func page(_ title: String, _ ctx: WebContext, _ body: HTML) -> HTML {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="same-origin">
        <title>\(title) · bec-milter</title>
        <style nonce="\(ctx.nonce)">\(HTML(trusted: css))</style>
        </head><body>
        \(nav(ctx))
        <main>
        \(body)
        </main>
        </body></html>
        """
    }

    static func nav(_ ctx: WebContext) -> HTML {
        guard let s = ctx.session, let user = s.user else { return "<header><span class=\"brand\">bec-milter quarantine</span></header>" }
        let admin: HTML = s.role == .admin ? "<a href=\"/users\">Users</a>" : ""
        return """
        <header><a class="brand" href="/messages">bec-milter quarantine</a> <a href="/messages">Messages</a> \(admin)
        <span class="who">\(user) (\(s.role?.rawValue ?? ""))</span>
        <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="\(s.csrf)"><button type="submit">Log out</button></form>
        </header>
        """
    }

    /// A hidden CSRF field for a POST form of this session.
    static func csrfField(_ ctx: WebContext) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(ctx.session?.csrf ?? "")\">"
    }

    static func response(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: html.rendered)))
    }

    static func errorPage(_ status: HTTPResponse.Status, _ message: String, _ ctx: WebContext) -> Response {
        let back: HTML = ctx.session?.isAuthenticated == true ? "<p><a href=\"/messages\">Back to the messages</a></p>" : "<p><a href=\"/login\">Log in</a></p>"
        return response(page("\(status.code) \(status.reasonPhrase)", ctx, """
            <h1>\(String(status.code)) \(status.reasonPhrase)</h1><p class="error">\(message)</p>\(back)
            """), status: status)
    }

    static let css = """
    :root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#f6f7f9;--accent:#1f5fbf;--bad:#b3261e;--ok:#1e7d32;--warn:#8a5a00}
    *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
    header{display:flex;gap:1em;align-items:center;padding:.6em 1.2em;background:#fff;border-bottom:1px solid var(--line)}
    header .brand{font-weight:600;color:var(--fg);text-decoration:none}header .who{margin-left:auto;color:var(--muted)}
    main{padding:1em 1.2em;max-width:1400px}a{color:var(--accent)}h1{font-size:1.3em;margin:.2em 0 .6em}h2{font-size:1.1em;margin:1.4em 0 .5em}
    table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid var(--line);padding:.35em .5em;text-align:left;vertical-align:top}
    th{font-weight:600;color:var(--muted);font-size:.9em}td.num{text-align:right;font-variant-numeric:tabular-nums}
    .filters{display:flex;flex-wrap:wrap;gap:.5em;align-items:end;background:#fff;padding:.7em;border:1px solid var(--line);margin-bottom:1em}
    .filters label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted)}
    input,select,button{font:inherit;padding:.25em .4em}button{cursor:pointer}form.inline{display:inline}
    .status{display:inline-block;padding:0 .45em;border-radius:3px;font-size:.85em;background:#e8ebf0}
    .status-held{background:#fff1d6;color:var(--warn)}.status-released{background:#dcf3e0;color:var(--ok)}
    .status-deleted{background:#eee;color:#666}.status-confirmed_bec{background:#fde0dd;color:var(--bad)}.status-false_positive{background:#dde9fb;color:var(--accent)}
    .sym{font-family:ui-monospace,monospace;font-size:.85em;background:#eef0f4;padding:0 .3em;border-radius:2px;overflow-wrap:anywhere}
    td.time{white-space:nowrap}
    .cp{font-family:ui-monospace,monospace;font-size:.8em;background:#ffe9a8;color:#5a3d00;padding:0 .2em;border-radius:2px;margin:0 .1em}
    .glyph{background:#ffd6d1;font-weight:600;padding:0 .1em}
    pre{background:#fff;border:1px solid var(--line);padding:.7em;white-space:pre-wrap;word-break:break-word;max-height:40em;overflow:auto}
    .card{background:#fff;border:1px solid var(--line);padding:.8em 1em;margin-bottom:1em}
    .explain li{margin:.3em 0}.explain .group{font-weight:600}.weight{color:var(--muted);font-variant-numeric:tabular-nums}
    .actions{display:flex;gap:.6em;flex-wrap:wrap;margin:.8em 0}.actions button{padding:.35em .9em}
    .danger{color:#fff;background:var(--bad);border:1px solid var(--bad)}.primary{color:#fff;background:var(--accent);border:1px solid var(--accent)}
    .error{color:var(--bad)}.notice{background:#e9f5ec;border:1px solid #b7dfc0;padding:.5em .8em}.muted{color:var(--muted)}
    dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-word}
    .pager{display:flex;gap:1em;margin:.8em 0}.login{max-width:22em;margin:4em auto;background:#fff;border:1px solid var(--line);padding:1.5em}
    .login label{display:block;margin:.6em 0}.login input{width:100%}
    """
}
