using System.Text.Encodings.Web;

namespace B24CallListApp.Pages;

/// <summary>Page shells and the framing policy: only the portal that opened the app may frame it.</summary>
public static class Html
{
    static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    public static string Encode(string? text) => Encoder.Encode(text ?? "");

    public static IResult Page(HttpContext context, int status, string lang, string title, string body, string? portalOrigin, string? script = null)
    {
        var frameAncestors = portalOrigin is null ? "'none'" : portalOrigin;
        context.Response.Headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'self' {ScriptSources(script)}; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors {frameAncestors}";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers.CacheControl = "no-store";
        var html = $"""
            <!doctype html>
            <html lang="{Texts.Language(lang)}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{Encode(title)}</title>
            <link rel="stylesheet" href="/app.css">
            {(script is null ? "" : $"<script src=\"{Encode(script)}\"></script>")}
            </head>
            <body>
            <main id="main">
            {body}
            </main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    static string ScriptSources(string? script) =>
        script is not null && Uri.TryCreate(script, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "";

    /// <summary>A page that only says one thing, in the user's language, never an exception's text.</summary>
    public static IResult Message(HttpContext context, int status, string lang, string textKey, string? portalOrigin = null) =>
        Page(context, status, lang, Texts.Get("AppTitle", lang),
            $"<h1>{Encode(Texts.Get("AppTitle", lang))}</h1><p role=\"{(status >= 400 ? "alert" : "status")}\" data-message=\"{textKey}\">{Encode(Texts.Get(textKey, lang))}</p>",
            portalOrigin);
}
