using System.Globalization;
using System.Net;
using System.Text;

namespace PortalEmulator.Portals;

/// <summary>
/// The portal's own web page: it hosts the app in a cross-site iframe and performs the
/// installer POST (first time) or the application POST (every open), as Bitrix24 does.
/// </summary>
public sealed class PortalPage(Emulator emulator)
{
    public async Task HandleAsync(HttpContext context, Portal portal, string path)
    {
        if (path == "/_portal/install-finished" && HttpMethods.IsPost(context.Request.Method))
        {
            lock (portal.Sync)
            {
                portal.App.InstallFinished = true;
            }

            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (path != "/" || !HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var userId = int.TryParse(context.Request.Query["user"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) ? u : 1;
        var lang = context.Request.Query["lang"].ToString() is { Length: 2 } l ? l : portal.Language;
        var user = portal.FindUser(userId);
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(Render(context, portal, user, lang));
    }

    string Render(HttpContext context, Portal portal, PortalUser? user, string lang)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bitrix24 portal emulator</title>");
        html.Append("<style>body{font-family:sans-serif;margin:0}header{background:#2fc6f6;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}header a{color:#fff}iframe{border:0;width:100%;height:calc(100vh - 48px)}</style></head><body><header>");
        html.Append(CultureInfo.InvariantCulture, $"<strong>Portal {WebUtility.HtmlEncode(portal.Domain)}</strong><nav aria-label=\"Users\">");
        foreach (var other in portal.Users)
        {
            html.Append(CultureInfo.InvariantCulture, $" <a href=\"/?user={other.Id}&lang={lang}\">{WebUtility.HtmlEncode(other.Name)} {WebUtility.HtmlEncode(other.LastName)}{(other.Admin ? " (admin)" : "")}</a>");
        }

        html.Append(CultureInfo.InvariantCulture, $" | <a href=\"/?user={user?.Id ?? 1}&lang=en\">EN</a> <a href=\"/?user={user?.Id ?? 1}&lang=ru\">RU</a></nav></header>");

        var installing = !portal.App.InstallFinished;
        var target = installing ? portal.App.InstallUrl ?? portal.App.HandlerUrl : portal.App.HandlerUrl;
        if (user is null || target is null)
        {
            html.Append("<p role=\"alert\">No app is registered in this portal, or no such user.</p></body></html>");
            return html.ToString();
        }

        // ?placement=CRM_CONTACT_LIST_MENU&options={"ID":"25"} opens the app as that placement would.
        var placement = installing ? "DEFAULT" : context.Request.Query["placement"].ToString() is { Length: > 0 } p ? p.ToUpperInvariant() : "DEFAULT";
        var options = context.Request.Query["options"].ToString() is { Length: > 0 } o ? o : AppFramePost.DefaultOptions;
        var post = AppFramePost.Create(emulator, portal, user.Id, target, installing, lang, placement, options);

        html.Append(CultureInfo.InvariantCulture, $"<form id=\"open\" method=\"post\" target=\"app\" action=\"{WebUtility.HtmlEncode(post.Url)}\">");
        foreach (var (name, value) in post.Fields)
        {
            html.Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{name}\" value=\"{WebUtility.HtmlEncode(value)}\">");
        }

        html.Append("</form><iframe name=\"app\" title=\"Application\"></iframe><script>");
        // The BX24 library in the app frame says installFinish by message; the portal records it and reopens the app.
        html.Append("window.addEventListener('message',function(e){if(e.data&&e.data.bx24==='installFinish'){fetch('/_portal/install-finished',{method:'POST'}).then(function(){location.reload();});}});");
        html.Append("document.getElementById('open').submit();</script></body></html>");
        return html.ToString();
    }
}
