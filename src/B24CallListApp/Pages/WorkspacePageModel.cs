using System.Globalization;
using B24CallListApp.CallLists;
using B24CallListApp.Portals;
using B24CallListApp.Resources;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Localization;

namespace B24CallListApp.Pages;

/// <summary>What a page announces: a success (role="status") or a refusal or error (role="alert"), with details.</summary>
public sealed record Outcome(bool IsError, string Text, IReadOnlyList<string> Details);

/// <summary>The services every workspace page uses: its session's renewal, form tokens, and sentences in the user's language.</summary>
public sealed class WorkspaceServices(PageSessions sessions, FormTokens forms, IStringLocalizer<SharedResource> texts)
{
    public PageSessions Sessions => sessions;

    public FormTokens Forms => forms;

    public IStringLocalizer<SharedResource> Texts => texts;
}

/// <summary>
/// A page of the workspace: it acts for one page session (one user of one portal). Its forms carry
/// the session and, where they change data, a form token bound to it; its links carry the user's
/// language and nothing secret.
/// </summary>
public abstract class WorkspacePageModel(WorkspaceServices workspace) : AppPageModel
{
    AppSession? _session;

    /// <summary>The page's session: there before any handler runs (<see cref="SessionPageModel"/>), or from the open (<see cref="IndexModel"/>).</summary>
    public AppSession Session => _session ?? throw new InvalidOperationException("A workspace page runs only with a session.");

    /// <summary>A renewed session for the page's next request: a page in use never goes stale.</summary>
    public string SessionToken { get; private set; } = "";

    public Outcome? Outcome { get; protected set; }

    /// <summary>When <see cref="SessionToken"/> expires (Unix milliseconds): the page's script renews it through the portal before then.</summary>
    public long SessionExpires { get; private set; }

    /// <summary>The OAuth server that verifies this portal's tokens, for the page's script to name when it renews its session.</summary>
    public string? OAuthServer => _session is null ? null : _session.Portal.OAuthServer.TrimEnd('/') + "/rest/";

    public string Lang => _session?.Session.Language ?? PortalFields.Language(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName);

    protected IStringLocalizer<SharedResource> Texts => workspace.Texts;

    protected PageSessions Sessions => workspace.Sessions;


    protected void StartSession(AppSession session)
    {
        _session = session;
        // Failures of the page's work are recorded on this account and framed for this portal (WorkspaceExceptionHandler, ErrorModel).
        HttpContext.Features.Set(new PageSessionFeature(session));
        FrameAncestor = session.PortalOrigin;
        SessionToken = workspace.Sessions.Issue(session.Session);
        SessionExpires = workspace.Sessions.ExpiresAt(session.Session).ToUnixTimeMilliseconds();
        // What the page's forms hand to its next request (<session-fields>, Pages/TagHelpers.cs).
        HttpContext.Features.Set(new IssuedPageSession(session.Session, SessionToken, session.PortalOrigin));
    }

    protected bool HasValidFormToken(string purpose) =>
        Request.HasFormContentType && workspace.Forms.IsValid(Session.Session, purpose, Request.Form[FormTokens.FieldName]);

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
    /// <param name="pageName">The page the picker's forms post to, with <paramref name="listId"/> for a list's own.</param>
    protected async Task<PickerPart> PickerAsync(CrmSearch crm, SegmentReferences segments, string pageName, int? listId, EntityKind kind, Lists.PickerForm form, IReadOnlySet<int> inList)
    {
        var choices = segments.ChoicesAsync(Session.Actor, kind, HttpContext.RequestAborted);
        SearchPage results;
        try
        {
            results = await crm.SearchAsync(Session.Actor, kind, form.Query, form.Page, HttpContext.RequestAborted);
        }
        catch (SearchTooLongException)
        {
            Refuse(400, "SearchTooLong");
            results = new SearchPage([], 0, 1, 1);
        }

        var offered = await choices;
        string? companyTitle = null;
        if (offered.Companies is null && form.Segment.CompanyId is { } companyId)
        {
            // Too many companies to offer in a list: the field shows the chosen one by the title the user reads.
            var company = await crm.EntityAsync(Session.Actor, EntityKind.Company, companyId, HttpContext.RequestAborted);
            companyTitle = company?.Name is { Length: > 0 } title ? title : "#" + companyId.ToString(CultureInfo.InvariantCulture);
        }

        return new PickerPart(pageName, listId, kind, form, results, inList, offered, companyTitle);
    }

}

/// <summary>
/// A workspace page reached from inside the app. The page session scheme (<see cref="PageSessionAuthenticationHandler"/>)
/// has resolved the session the request presented; without a valid one the page says why, framed for the
/// portal the form names, and runs nothing else.
/// </summary>
public abstract class SessionPageModel(WorkspaceServices workspace) : WorkspacePageModel(workspace)
{
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (HttpContext.Features.Get<PageSessionFeature>() is not { } presented)
        {
            var refused = HttpContext.Features.Get<SessionRefusalFeature>();
            context.Result = ShowMessage(refused?.Refusal.Status ?? StatusCodes.Status401Unauthorized, refused?.Refusal.TextKey ?? "SessionExpired", refused?.ClaimedPortal);
            PageHeaders.Apply(Response, FrameAncestor);
            return;
        }

        StartSession(presented.Session);
        await base.OnPageHandlerExecutionAsync(context, next);
    }
}
