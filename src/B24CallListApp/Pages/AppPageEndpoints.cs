using System.Globalization;
using System.Text;
using System.Text.Json;
using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using B24CallListApp.Portals;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Pages;

/// <summary><c>POST /</c>: every open of the app in the portal's iframe, and the page's own API.</summary>
public static class AppPageEndpoints
{
    public static void MapAppPages(this IEndpointRouteBuilder app)
    {
        app.MapPost("/", Open).DisableAntiforgery();
        app.MapGet("/", (HttpContext context) => Html.Message(context, 200, Texts.Language(context.Request.Query["LANG"]), "NotInstalled"));
        var api = app.MapGroup("/api");
        api.MapGet("/me", Me);
        api.MapGet("/calllists", CallLists);
    }

    static async Task<IResult> Open(HttpContext context, PortalVerifier verifier, Installations installations, Bitrix24Client client, PageSessions sessions,
        IOptions<Bitrix24Options> options, TimeProvider time, CancellationToken ct)
    {
        var lang = Texts.Language(context.Request.Query["LANG"]);
        var form = await PortalEndpoints.ReadFormAsync(context.Request, ct);
        if (form is null)
        {
            return Html.Message(context, context.Request.HasFormContentType ? 400 : 415, lang, "BadRequest");
        }

        if (form["PLACEMENT_OPTIONS"].ToString() is { Length: > 0 } placementOptions && !IsJsonObject(placementOptions))
        {
            return Html.Message(context, 400, lang, "BadRequest");
        }

        var (verified, failure) = await verifier.VerifyAsync(form["AUTH_ID"], form["member_id"], context.Request.Query["DOMAIN"], form["SERVER_ENDPOINT"], ct);
        if (verified is null)
        {
            return PortalEndpoints.Refused(context, lang, failure!.Value);
        }

        var origin = PortalEndpoints.PortalOrigin(verified);
        var memberId = verified.Info.MemberId;
        var portal = await installations.FindAsync(memberId, ct);
        if (portal is null || portal.Status == PortalStatus.Uninstalled)
        {
            return Html.Message(context, 404, lang, portal is null ? "NotInstalled" : "Uninstalled", origin);
        }

        // A verified open proves the app works in this portal again, whatever an earlier refresh said.
        var token = PortalEndpoints.TokenFrom(form["AUTH_ID"]!, form["REFRESH_ID"], form["AUTH_EXPIRES"], time);
        portal = await installations.SaveAsync(verified, token, applicationToken: null, admin: null, PortalStatus.Active, lang, ct);
        var account = Installations.AccountOf(portal, verified.Info.UserId);

        string userName;
        IReadOnlyList<JsonElement> lists;
        try
        {
            (_, userName) = await installations.ReadProfileAsync(client, account, ct);
            lists = await client.ReadAllAsync(account, "crm.calllist.list", null, Bitrix24Paging.UntilShortPage, ct);
        }
        catch (Bitrix24Exception e)
        {
            return await PortalEndpoints.FailureAsync(context, installations, memberId, lang, origin, e);
        }

        var session = sessions.Issue(new PageSession(memberId, verified.Info.UserId, lang));
        return Html.Page(context, 200, lang, Texts.Get("AppTitle", lang), Render(lang, userName, portal.Domain, lists, session), origin, options.Value.JsSdkUrl);
    }

    static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    static string Render(string lang, string userName, string domain, IReadOnlyList<JsonElement> lists, string session)
    {
        string T(string key) => Html.Encode(Texts.Get(key, lang));
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<meta name=\"b24-session\" content=\"{Html.Encode(session)}\">");
        html.Append(CultureInfo.InvariantCulture, $"<h1>{T("AppTitle")}</h1>");
        html.Append(CultureInfo.InvariantCulture, $"<p>{T("SignedInAs")} <strong data-user>{Html.Encode(userName)}</strong> · {T("Portal")} <span data-portal>{Html.Encode(domain)}</span></p>");
        html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"lists-heading\">{T("YourCallLists")}</h2>");
        if (lists.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{T("NoCallLists")}</p>");
            return html.ToString();
        }

        html.Append(CultureInfo.InvariantCulture, $"<table aria-labelledby=\"lists-heading\"><thead><tr><th scope=\"col\">{T("ListId")}</th><th scope=\"col\">{T("Type")}</th><th scope=\"col\">{T("Created")}</th><th scope=\"col\">{T("Form")}</th></tr></thead><tbody>");
        foreach (var list in lists)
        {
            var type = Text(list, "ENTITY_TYPE_ID") == "4" ? T("Companies") : T("Contacts");
            var form = Text(list, "WEBFORM_ID") is { Length: > 0 } f ? Html.Encode(f) : T("None");
            html.Append(CultureInfo.InvariantCulture, $"<tr data-list-id=\"{Html.Encode(Text(list, "ID"))}\"><td>{Html.Encode(Text(list, "ID"))}</td><td>{type}</td><td>{Html.Encode(Text(list, "DATE_CREATE"))}</td><td>{form}</td></tr>");
        }

        html.Append("</tbody></table>");
        return html.ToString();
    }

    /// <summary>The page's session, or null: every API call of the page presents it instead of a cookie.</summary>
    static async Task<(PageSession? Session, PortalRecord? Portal)> AuthenticateAsync(HttpContext context, PageSessions sessions, Installations installations)
    {
        var session = sessions.Read(context.Request.Headers[PageSessions.HeaderName]);
        if (session is null)
        {
            return (null, null);
        }

        var portal = await installations.FindAsync(session.MemberId, context.RequestAborted);
        return portal is { Status: PortalStatus.Active } ? (session, portal) : (null, null);
    }

    static IResult Unauthorized() => Results.Json(new { error = "The session is missing, expired or invalid; open the app from the portal again." }, statusCode: 401);

    static async Task<IResult> Me(HttpContext context, PageSessions sessions, Installations installations)
    {
        var (session, portal) = await AuthenticateAsync(context, sessions, installations);
        return session is null ? Unauthorized() : Results.Json(new { memberId = session.MemberId, userId = session.UserId, domain = portal!.Domain });
    }

    static async Task<IResult> CallLists(HttpContext context, PageSessions sessions, Installations installations, Bitrix24Client client, CancellationToken ct)
    {
        var (session, portal) = await AuthenticateAsync(context, sessions, installations);
        if (session is null)
        {
            return Unauthorized();
        }

        try
        {
            var lists = await client.ReadAllAsync(Installations.AccountOf(portal!, session.UserId), "crm.calllist.list", null, Bitrix24Paging.UntilShortPage, ct);
            return Results.Json(lists);
        }
        catch (Bitrix24Exception e)
        {
            var (status, textKey) = await installations.RecordFailureAsync(session.MemberId, e, ct);
            return Results.Json(new { error = Texts.Get(textKey, session.Language), code = textKey }, statusCode: status);
        }
    }
}
