using System.Globalization;
using B24CallListApp.CallLists;
using B24CallListApp.Portals;
using B24CallListApp.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Localization;

namespace B24CallListApp.Pages;

/// <summary>What a page announces: a success (role="status") or a refusal or error (role="alert"), with details.</summary>
public sealed record Outcome(bool IsError, string Text, IReadOnlyList<string> Details);

/// <summary>
/// A page of the workspace: it acts for one page session (one user of one portal). Its forms carry
/// the session and, where they change data, a form token bound to it; its links carry the user's
/// language and nothing secret.
/// </summary>
public abstract class WorkspacePageModel : AppPageModel
{
    public AppSession? Session { get; protected set; }

    /// <summary>A renewed session for the page's next request: a page in use never goes stale.</summary>
    public string SessionToken { get; protected set; } = "";

    public Outcome? Outcome { get; protected set; }

    /// <summary>When <see cref="SessionToken"/> expires (Unix milliseconds): the page's script renews it through the portal before then.</summary>
    public long SessionExpires { get; protected set; }

    /// <summary>The OAuth server that verifies this portal's tokens, for the page's script to name when it renews its session.</summary>
    public string? OAuthServer => Session is null ? null : Session.Portal.OAuthServer.TrimEnd('/') + "/rest/";

    public string Lang => Session?.Session.Language ?? PortalFields.Language(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName);

    protected IStringLocalizer<SharedResource> Texts => HttpContext.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();

    public string FormToken(string purpose) => HttpContext.RequestServices.GetRequiredService<FormTokens>().Issue(Session!.Session, purpose);

    /// <summary>An address inside the app, with the user's language (never the session) in its query.</summary>
    public string AppUrl(string path) => path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "LANG=" + Lang;

    protected void StartSession(AppSession session)
    {
        Session = session;
        FrameAncestor = session.PortalOrigin;
        var sessions = HttpContext.RequestServices.GetRequiredService<PageSessions>();
        SessionToken = sessions.Issue(session.Session);
        SessionExpires = sessions.ExpiresAt(session.Session).ToUnixTimeMilliseconds();
    }

    protected bool HasValidFormToken(string purpose) =>
        Request.HasFormContentType && HttpContext.RequestServices.GetRequiredService<FormTokens>().IsValid(Session!.Session, purpose, Request.Form[FormTokens.FieldName]);

    /// <summary>A refusal the page shows in place of the change: nothing was sent to the portal.</summary>
    protected void Refuse(int status, string textKey, params object[] arguments)
    {
        Response.StatusCode = status;
        Outcome = new Outcome(true, Texts[textKey, arguments], []);
    }

    /// <summary>
    /// What a save or a create says: the sentence, what the form became, and what Bitrix24 left out. A
    /// save that only changed the form says that alone, not "0 added, 0 removed".
    /// </summary>
    protected void Announce(SaveResult result)
    {
        Response.StatusCode = result.HttpStatus;
        var formSentence = result.FormChanged ? (result.FormName is { } name ? Texts["FormNowNamed", name] : Texts["FormRemoved"]) : null;
        var formOnly = result is { Outcome: SaveOutcome.Saved, TextKey: "Saved", Added: 0, Removed: 0, FormChanged: true };
        var details = new List<string>();
        if (formSentence is not null && !formOnly)
        {
            details.Add(formSentence);
        }

        if (result.Dropped.Count > 0)
        {
            details.Add(Texts["Dropped", string.Join(", ", result.Dropped)]);
        }

        var text = formOnly ? formSentence! : Texts[result.TextKey, [.. result.Arguments]];
        Outcome = new Outcome(result.Outcome is not (SaveOutcome.Saved or SaveOutcome.NothingToSave), text, details);
    }

    /// <summary>
    /// The picker: the search's page and what the segment controls offer, read side by side. A search
    /// that no portal would want (too long) is refused here, and nothing is asked.
    /// </summary>
    protected async Task<PickerPart> PickerAsync(CrmSearch crm, SegmentReferences segments, string action, EntityKind kind, Lists.PickerForm form, IReadOnlySet<int> inList)
    {
        var choices = segments.ChoicesAsync(Session!.Actor, kind, HttpContext.RequestAborted);
        SearchPage results;
        try
        {
            results = await crm.SearchAsync(Session!.Actor, kind, form.Query, form.Page, HttpContext.RequestAborted);
        }
        catch (SearchTooLongException)
        {
            Refuse(400, "SearchTooLong");
            results = new SearchPage([], 0, 1, 1);
        }

        return new PickerPart(this, action, kind, form, results, inList, await choices);
    }

    /// <summary>Runs a page's work, turning what can go wrong into a message in the user's language.</summary>
    protected async Task<IActionResult> GuardAsync(Func<Task<IActionResult>> work)
    {
        try
        {
            return await work();
        }
        catch (CallListNotFoundException)
        {
            return ShowMessage(404, "ListNotFound");
        }
        catch (SearchTooLongException)
        {
            return ShowMessage(400, "SearchTooLong");
        }
        catch (Bitrix24.Bitrix24Exception e)
        {
            return await FailedAsync(e);
        }
    }

    /// <summary>A Bitrix24 failure, recorded where it belongs and told to the user in their language.</summary>
    protected async Task<IActionResult> FailedAsync(Bitrix24.Bitrix24Exception error)
    {
        if (Session is not null)
        {
            await HttpContext.RequestServices.GetRequiredService<PortalFailures>().RecordAsync(Session.Account.Key, error, HttpContext.RequestAborted);
        }

        var (status, textKey) = Problems.For(error);
        return ShowMessage(status, textKey);
    }
}

/// <summary>
/// A workspace page reached from inside the app: every request presents the page session (form field
/// or header), never a cookie or a value in the URL. Without a valid one the page says so, framed for
/// the portal the form names, and does nothing else.
/// </summary>
public abstract class SessionPageModel : WorkspacePageModel
{
    public const string PortalField = "__portal";

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var token = Request.Headers[PageSessions.HeaderName].ToString();
        string? portal = null;
        if (Request.HasFormContentType)
        {
            var form = await Request.ReadFormAsync(HttpContext.RequestAborted);
            token = form[PageSessions.FieldName].ToString() is { Length: > 0 } field ? field : token;
            portal = form[PortalField];
        }

        var resolver = HttpContext.RequestServices.GetRequiredService<SessionResolver>();
        var (session, refusal) = await resolver.ResolveAsync(token, HttpContext.RequestAborted);
        if (session is null)
        {
            // Only a message page, framed for the portal the form names so the user sees why.
            context.Result = ShowMessage(refusal!.Status, refusal.TextKey, Uri.TryCreate(portal, UriKind.Absolute, out var origin) && origin.Scheme is "https" or "http" ? origin.GetLeftPart(UriPartial.Authority) : null);
            PageHeaders.Apply(Response, FrameAncestor);
            return;
        }

        StartSession(session);
        await base.OnPageHandlerExecutionAsync(context, next);
    }
}
