using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PortalEmulator.Portals;

/// <summary>
/// The portal's own web page, as Bitrix24 shows an app: the installer URL until the install is
/// finished, then the application URL, POSTed by a hidden form into a cross-site iframe named
/// <c>DOMAIN|PROTOCOL|APP_SID</c>. Its script (<c>portal.js</c>) answers the frame protocol from the
/// parent side as Bitrix24's app layout does: <c>getInitData</c>, <c>setInstallFinish</c>,
/// <c>refreshAuth</c>, <c>resizeWindow</c>, <c>selectCRM</c>, <c>openApplication</c> and the rest
/// (the protocol of the official frame client, vendored in wwwroot/lib/b24jssdk).
/// </summary>
public sealed class PortalPage(Emulator emulator)
{
    static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default };

    public async Task HandleAsync(HttpContext context, Portal portal, string path)
    {
        var request = context.Request;
        var userId = int.TryParse(request.Query["user"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) ? u : 1;
        var user = portal.FindUser(userId);
        var lang = request.Query["lang"].ToString() is { Length: 2 } l ? l : portal.Language;
        switch (path)
        {
            case "/_portal/portal.js" or "/_portal/portal.css":
                await StaticAsync(context, path["/_portal/".Length..]);
                return;
            case "/_portal/install-finished" when HttpMethods.IsPost(request.Method):
                lock (portal.Sync)
                {
                    portal.App.InstallFinished = true;
                }

                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            case "/_portal/frame-post" when HttpMethods.IsPost(request.Method) && user is not null:
                // A new open of the app for the page's script (a slider): fresh tokens, the placement asked for.
                var target = portal.App.InstallFinished ? portal.App.HandlerUrl : portal.App.InstallUrl ?? portal.App.HandlerUrl;
                if (target is null)
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                await WriteJsonAsync(context, FrameModel(portal, user, target, !portal.App.InstallFinished, lang,
                    request.Query["placement"].ToString() is { Length: > 0 } placement ? placement.ToUpperInvariant() : "DEFAULT",
                    request.Query.ContainsKey("options") ? request.Query["options"].ToString() : AppFramePost.DefaultOptions));
                return;
            case "/_portal/refresh-auth" when HttpMethods.IsPost(request.Method) && user is not null:
                var grant = emulator.IssueTokens(portal, user.Id);
                await WriteJsonAsync(context, new JsonObject
                {
                    ["AUTH_ID"] = grant.AccessToken,
                    ["AUTH_EXPIRES"] = emulator.Options.AccessTokenLifetimeSeconds,
                    ["REFRESH_ID"] = grant.RefreshToken,
                });
                return;
            case "/_portal/crm" when user is not null:
                await WriteJsonAsync(context, CrmSearch(portal, user, request.Query["type"].ToString(), request.Query["q"].ToString()));
                return;
            case "/" when HttpMethods.IsGet(request.Method):
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.Headers.CacheControl = "no-store";
                await context.Response.WriteAsync(Render(context, portal, user, lang));
                return;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }

    /// <summary>Everything the page's script needs to open the app in a frame and answer its getInitData.</summary>
    JsonObject FrameModel(Portal portal, PortalUser user, string appUrl, bool install, string lang, string placement, string? options)
    {
        var post = AppFramePost.Create(emulator, portal, user.Id, appUrl, install, lang, placement, options);
        JsonNode? parsedOptions;
        try
        {
            parsedOptions = post.Fields.TryGetValue("PLACEMENT_OPTIONS", out var raw) && JsonNode.Parse(raw) is JsonObject o ? o : new JsonObject();
        }
        catch (JsonException)
        {
            parsedOptions = new JsonObject();
        }

        var fields = new JsonObject();
        foreach (var (name, value) in post.Fields)
        {
            fields[name] = value;
        }

        return new JsonObject
        {
            ["url"] = post.Url,
            ["fields"] = fields,
            ["appSid"] = post.AppSid,
            ["appOrigin"] = new Uri(appUrl).GetLeftPart(UriPartial.Authority),
            // Bitrix24 names the frame DOMAIN|PROTOCOL|APP_SID: the BX24 library and b24jssdk start from it.
            ["frameName"] = $"{portal.Domain}|0|{post.AppSid}",
            ["init"] = new JsonObject
            {
                ["LANG"] = lang,
                ["DOMAIN"] = portal.Domain,
                ["PROTOCOL"] = 0,
                ["PATH"] = "/rest",
                ["AUTH_ID"] = post.Grant.AccessToken,
                ["AUTH_EXPIRES"] = emulator.Options.AccessTokenLifetimeSeconds,
                ["REFRESH_ID"] = post.Grant.RefreshToken,
                ["MEMBER_ID"] = portal.MemberId,
                ["FIRST_RUN"] = install,
                ["IS_ADMIN"] = user.Admin,
                ["INSTALL"] = install,
                ["USER_OPTIONS"] = new JsonObject(),
                ["APP_OPTIONS"] = new JsonObject(),
                ["PLACEMENT"] = placement,
                ["PLACEMENT_OPTIONS"] = parsedOptions,
            },
        };
    }

    /// <summary>What the portal's CRM picker (selectCRM) lists: the records of a kind the user may read.</summary>
    static JsonArray CrmSearch(Portal portal, PortalUser user, string type, string query)
    {
        var rows = new JsonArray();
        lock (portal.Sync)
        {
            var (entities, prefix) = type == "company" ? (portal.Companies, "CO_") : (portal.Contacts, "C_");
            foreach (var entity in entities.Values.Where(user.CanRead).OrderBy(e => e.Id))
            {
                var title = type == "company"
                    ? entity.Fields.GetValueOrDefault("TITLE") ?? ""
                    : $"{entity.Fields.GetValueOrDefault("NAME")} {entity.Fields.GetValueOrDefault("LAST_NAME")}".Trim();
                if (query.Length > 0 && !title.Contains(query, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                rows.Add(new JsonObject
                {
                    ["id"] = prefix + entity.Id.ToString(CultureInfo.InvariantCulture),
                    ["type"] = type == "company" ? "company" : "contact",
                    ["place"] = type == "company" ? "company" : "contact",
                    ["title"] = title,
                    ["desc"] = entity.Phones.FirstOrDefault()?.Value ?? "",
                    ["url"] = $"/crm/{(type == "company" ? "company" : "contact")}/details/{entity.Id.ToString(CultureInfo.InvariantCulture)}/",
                });
                if (rows.Count == 50)
                {
                    break;
                }
            }
        }

        return rows;
    }

    string Render(HttpContext context, Portal portal, PortalUser? user, string lang)
    {
        var view = context.Request.Query["view"].ToString() is "contacts" or "companies" ? context.Request.Query["view"].ToString() : "app";
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<!doctype html><html lang=\"{WebUtility.HtmlEncode(lang)}\"><head><meta charset=\"utf-8\"><title>Portal {WebUtility.HtmlEncode(portal.Domain)}</title>");
        html.Append("<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/_portal/portal.css\"></head><body><header class=\"portal-header\">");
        html.Append(CultureInfo.InvariantCulture, $"<strong>Portal {WebUtility.HtmlEncode(portal.Domain)}</strong><nav aria-label=\"Users\">");
        foreach (var other in portal.Users)
        {
            html.Append(CultureInfo.InvariantCulture, $" <a href=\"/?user={other.Id}&amp;lang={WebUtility.UrlEncode(lang)}\">{WebUtility.HtmlEncode(other.Name)} {WebUtility.HtmlEncode(other.LastName)}{(other.Admin ? " (admin)" : "")}</a>");
        }

        var me = user?.Id ?? 1;
        html.Append(CultureInfo.InvariantCulture, $"</nav><nav aria-label=\"Portal\"><a href=\"/?user={me}&amp;lang={lang}\">Application</a> <a href=\"/?user={me}&amp;lang={lang}&amp;view=contacts\">Contacts</a> <a href=\"/?user={me}&amp;lang={lang}&amp;view=companies\">Companies</a></nav>");
        html.Append(CultureInfo.InvariantCulture, $"<nav aria-label=\"Language\"><a href=\"/?user={me}&amp;lang=en\">EN</a> <a href=\"/?user={me}&amp;lang=ru\">RU</a></nav></header><main id=\"portal-main\">");

        var installing = !portal.App.InstallFinished;
        var target = installing ? portal.App.InstallUrl ?? portal.App.HandlerUrl : portal.App.HandlerUrl;
        if (user is null || target is null)
        {
            html.Append("<p role=\"alert\">No app is registered in this portal, or no such user.</p></main></body></html>");
            return html.ToString();
        }

        var data = new JsonObject
        {
            ["user"] = user.Id,
            ["lang"] = lang,
            ["domain"] = portal.Domain,
            ["view"] = view,
            ["installing"] = installing,
        };
        if (view == "app")
        {
            html.Append("<h1 id=\"app-title\">Application</h1><div id=\"app-layout\" class=\"app-layout\"></div>");
            // ?placement=CRM_CONTACT_LIST_MENU&options={"ID":"25"} opens the app as that placement would.
            var placement = installing ? "DEFAULT" : context.Request.Query["placement"].ToString() is { Length: > 0 } p ? p.ToUpperInvariant() : "DEFAULT";
            var options = context.Request.Query.ContainsKey("options") ? context.Request.Query["options"].ToString() : AppFramePost.DefaultOptions;
            data["frame"] = FrameModel(portal, user, target, installing, lang, placement, options);
        }
        else
        {
            html.Append(CrmGrid(portal, user, view));
            lock (portal.Sync)
            {
                // Placements show only once the install is finished, as in Bitrix24.
                var wanted = view == "contacts" ? "CRM_CONTACT_LIST_MENU" : "CRM_COMPANY_LIST_MENU";
                data["placements"] = new JsonArray(portal.App.InstallFinished
                    ? portal.Placements.Where(b => b.Placement == wanted && b.ClientId == portal.App.ClientId).Select(b => (JsonNode)new JsonObject { ["placement"] = b.Placement, ["title"] = b.Title }).ToArray()
                    : []);
            }
        }

        html.Append("</main><div id=\"sliders\"></div><script type=\"application/json\" id=\"portal-data\">");
        html.Append(data.ToJsonString(Json));
        html.Append("</script><script src=\"/_portal/portal.js\"></script></body></html>");
        return html.ToString();
    }

    /// <summary>The CRM grid of contacts or companies, each row with the menu where the app's placement appears.</summary>
    static string CrmGrid(Portal portal, PortalUser user, string view)
    {
        var html = new StringBuilder();
        var (title, entities) = view == "contacts" ? ("Contacts", portal.Contacts) : ("Companies", portal.Companies);
        html.Append(CultureInfo.InvariantCulture, $"<h1>{title}</h1><table class=\"crm-grid\"><caption class=\"sr-only\">{title}</caption><thead><tr><th scope=\"col\">Menu</th><th scope=\"col\">ID</th><th scope=\"col\">Name</th><th scope=\"col\">Phone</th></tr></thead><tbody>");
        lock (portal.Sync)
        {
            foreach (var entity in entities.Values.Where(user.CanRead).OrderBy(e => e.Id).Take(50))
            {
                var name = view == "contacts"
                    ? $"{entity.Fields.GetValueOrDefault("NAME")} {entity.Fields.GetValueOrDefault("LAST_NAME")}"
                    : entity.Fields.GetValueOrDefault("TITLE") ?? "";
                html.Append(CultureInfo.InvariantCulture, $"<tr data-entity-id=\"{entity.Id}\"><td><button type=\"button\" class=\"row-menu\" data-row-menu=\"{entity.Id}\" aria-haspopup=\"menu\" aria-label=\"Actions for {WebUtility.HtmlEncode(name)}\">☰</button></td>");
                html.Append(CultureInfo.InvariantCulture, $"<td>{entity.Id}</td><td>{WebUtility.HtmlEncode(name)}</td><td>{WebUtility.HtmlEncode(entity.Phones.FirstOrDefault()?.Value ?? "")}</td></tr>");
            }
        }

        html.Append("</tbody></table>");
        return html.ToString();
    }

    static async Task StaticAsync(HttpContext context, string name)
    {
        await using var stream = typeof(PortalPage).Assembly.GetManifestResourceStream("PortalEmulator.PortalUi." + name)
            ?? throw new InvalidOperationException("Missing resource " + name);
        context.Response.ContentType = name.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        await stream.CopyToAsync(context.Response.Body);
    }

    static async Task WriteJsonAsync(HttpContext context, JsonNode body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(body.ToJsonString());
    }
}
