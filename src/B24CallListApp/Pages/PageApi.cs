using System.Globalization;
using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using B24CallListApp.Resources;
using Microsoft.Extensions.Localization;

namespace B24CallListApp.Pages;

/// <summary><c>/api/*</c>: JSON for the app's pages, authenticated by the page session header, never by a cookie.</summary>
public static class PageApi
{
    public static void MapPageApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.AddEndpointFilter(async (context, next) =>
        {
            // Answers carry one user's data: no cache may keep them.
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context);
        });
        api.MapGet("/me", MeAsync);
        api.MapGet("/calllists", CallListsAsync);
    }

    /// <summary>A refusal as RFC 7807 problem details: the sentence in the session's language, and its key as <c>code</c>.</summary>
    public static IResult Problem(int status, string textKey, string language, IStringLocalizer<SharedResource> texts)
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language);
        return Results.Problem(detail: texts[textKey], statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = textKey });
    }

    static async Task<IResult> MeAsync(HttpContext context, SessionResolver resolver, IStringLocalizer<SharedResource> texts, CancellationToken ct)
    {
        var (session, refusal) = await resolver.ResolveAsync(context.Request.Headers[PageSessions.HeaderName], ct);
        return session is null
            ? Problem(refusal!.Status, refusal.TextKey, PortalFields.Language(context.Request.Query["LANG"]), texts)
            : Results.Json(new { memberId = session.Session.MemberId, userId = session.Session.UserId, domain = session.Portal.Domain });
    }

    static async Task<IResult> CallListsAsync(HttpContext context, SessionResolver resolver, Bitrix24Client client, PortalFailures failures, IStringLocalizer<SharedResource> texts, CancellationToken ct)
    {
        var (session, refusal) = await resolver.ResolveAsync(context.Request.Headers[PageSessions.HeaderName], ct);
        if (session is null)
        {
            return Problem(refusal!.Status, refusal.TextKey, PortalFields.Language(context.Request.Query["LANG"]), texts);
        }

        try
        {
            return Results.Json(await client.ReadAllAsync(session.Account, "crm.calllist.list", null, Bitrix24Paging.UntilShortPage, ct));
        }
        catch (Bitrix24Exception e)
        {
            await failures.RecordAsync(session.Account.Key, e, ct);
            var (status, textKey) = Problems.For(e);
            return Problem(status, textKey, session.Session.Language, texts);
        }
    }
}
