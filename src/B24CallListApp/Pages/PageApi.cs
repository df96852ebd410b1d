using System.Globalization;
using System.Text.Json;
using B24CallListApp.Bitrix24;
using B24CallListApp.CallLists;
using B24CallListApp.Portals;
using B24CallListApp.Resources;
using Microsoft.Extensions.Localization;

namespace B24CallListApp.Pages;

/// <summary><c>/api/*</c>: JSON for the app's pages, authenticated by the page session header, never by a cookie.</summary>
public static class PageApi
{
    /// <summary>The name of "Add all matching" with progress, for the picker to link to.</summary>
    public const string AddAllEndpoint = "add-all";

    /// <summary>The name of the company field's suggestions, for the picker to link to.</summary>
    public const string CompaniesEndpoint = "companies";

    public static void MapPageApi(this IEndpointRouteBuilder app)
    {
        // Every endpoint here acts for a page session (the page session scheme), except the renewal of one.
        var api = app.MapGroup("/api").RequireAuthorization();
        api.MapGet("/me", Me);
        api.MapGet("/calllists", CallListsAsync);
        api.MapGet("/companies", CompaniesAsync).WithName(CompaniesEndpoint);
        api.MapPost("/lists/{id:int}/add-all", AddAllAsync).WithName(AddAllEndpoint).DisableAntiforgery();
        api.MapPost("/session", RenewSessionAsync).AllowAnonymous().DisableAntiforgery().RequireRateLimiting(PortalsExtensions.PortalPostsPolicy);
    }

    /// <summary>
    /// A page that stays open past its session renews it through the portal: the page's script asks
    /// the portal for fresh tokens (b24jssdk refreshAuth) and posts them here, verified like an open.
    /// </summary>
    static async Task<IResult> RenewSessionAsync(HttpContext context, PortalSignIn signIn, PageSessions sessions, FormTokens formTokens,
        Microsoft.Extensions.Options.IOptions<PortalPostOptions> posts, IStringLocalizer<SharedResource> texts, PortalMetrics metrics)
    {
        var ct = context.RequestAborted;
        var language = PortalFields.Language(context.Request.Query["LANG"]);
        var (form, status) = await PortalForm.ReadAsync(context.Request, posts.Value.MaxBodyBytes, ct);
        var post = form is null ? null : FramePost.Read(context.Request.Query, form, out _);
        if (post is null)
        {
            metrics.Renewal(renewed: false);
            return Problem(form is null ? status : 400, form is null ? Problems.ForFormStatus(status) : "BadRequest", language, texts);
        }

        var result = await signIn.SignInAsync(post, ct);
        if (Problems.For(result) is var (problemStatus, problemKey))
        {
            metrics.Renewal(renewed: false);
            return Problem(problemStatus, problemKey, language, texts);
        }

        metrics.Renewal(renewed: true);

        var user = result.User!;

        // The page's forms get tokens bound to the new session, for the changes they were made for.
        var session = sessions.Start(user.Portal.MemberId, user.Account.Key.UserId, post.Language, user.Name);
        var forms = form!["purpose"].Where(p => p is { Length: > 0 and <= 64 }).Distinct().Take(10)
            .ToDictionary(p => p!, p => formTokens.Issue(session, p!));
        return Results.Json(new { session = sessions.Issue(session), expires = sessions.ExpiresAt(session).ToUnixTimeMilliseconds(), forms });
    }

    /// <summary>A refusal as RFC 7807 problem details: the sentence in the session's language, and its key as <c>code</c>.</summary>
    public static IResult Problem(int status, string textKey, string language, IStringLocalizer<SharedResource> texts)
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language);
        return Results.Problem(detail: texts[textKey], statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = textKey });
    }

    /// <summary>The session the page session scheme resolved for this request (every endpoint but <c>/session</c> requires one).</summary>
    static AppSession SessionOf(HttpContext context) => (context.Features.Get<PageSessionFeature>() ?? throw new InvalidOperationException("The endpoint requires a page session.")).Session;

    static IResult Me(HttpContext context)
    {
        var session = SessionOf(context);
        return Results.Json(new { memberId = session.Session.MemberId, userId = session.Session.UserId, domain = session.Portal.Domain });
    }

    /// <summary>The user's call lists, 50 to a page, newest first; <c>?page=N</c> (from 1) reads further.</summary>
    static async Task<IResult> CallListsAsync(HttpContext context, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "page")] string? page,
        CallListReads reads, IStringLocalizer<SharedResource> texts, CancellationToken ct)
    {
        var session = SessionOf(context);
        var number = 1;
        if (page is not null && !(int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number > 0))
        {
            // A caller that asked for a page it cannot have is told so, not given the first page as if it were that one.
            return Problem(400, "InvalidInput", session.Session.Language, texts);
        }

        var result = await reads.ListsAsync(session.Actor, number, kind: null, ct);
        return Results.Json(result.Lists.Select(l => new
        {
            id = l.List.Id,
            entityType = l.List.Kind.Code(),
            createdById = l.List.CreatedById,
            createdBy = l.CreatorName,
            created = l.List.Created,
            webFormId = l.List.WebFormId,
            formName = l.FormName,
            participants = l.Participants?.Count,
            participantsAtLeast = l.Participants?.AtLeast ?? false,
        }));
    }

    /// <summary>
    /// The company field's suggestions where the user reads more companies than a list can offer: the companies
    /// whose title holds <c>q</c>, as the user's own token reads them, with the sentence the field announces.
    /// </summary>
    static async Task<IResult> CompaniesAsync(HttpContext context, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "q")] string? q,
        SegmentReferences segments, IStringLocalizer<SharedResource> texts, CancellationToken ct)
    {
        var session = SessionOf(context);
        var text = q?.Trim() ?? "";
        if (text.Length is 0 or > CrmSearch.MaxSearchLength)
        {
            return Problem(400, text.Length == 0 ? "InvalidInput" : "SearchTooLong", session.Session.Language, texts);
        }

        var matches = await segments.CompaniesTitledAsync(session.Actor, text, ct);
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(session.Session.Language);
        var sentence = matches.Total == 0 ? texts["NothingFound"]
            : matches.Total > matches.Companies.Count ? texts["FirstOfMatches", matches.Companies.Count, matches.Total]
            : texts["Found", matches.Total];
        return Results.Json(new
        {
            companies = matches.Companies.Select(c => new { id = c.Id, title = c.Name }),
            total = matches.Total,
            text = sentence.Value,
        });
    }

    /// <summary>
    /// "Add all matching" with visible progress: the answer streams one JSON line per step (finding
    /// the matches, saving them) and ends with the outcome the page announces. The save itself is not
    /// abandoned if the page goes away.
    /// </summary>
    static async Task AddAllAsync(HttpContext context, int id, Lists.PickerInput input, FormTokens forms, CallListSaver saver, PortalFailures failures, IStringLocalizer<SharedResource> texts)
    {
        var ct = context.RequestAborted;
        var session = SessionOf(context);
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(ct) : null;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(session.Session.Language);
        if (!forms.IsValid(session.Session, "add:" + id.ToString(CultureInfo.InvariantCulture), form?[FormTokens.FieldName]))
        {
            await Problem(400, "FormExpired", session.Session.Language, texts).ExecuteAsync(context);
            return;
        }

        if (input.Form is not { } picker)
        {
            await Problem(400, "InvalidInput", session.Session.Language, texts).ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "application/x-ndjson; charset=utf-8";
        async Task LineAsync(object line)
        {
            await context.Response.WriteAsync(JsonSerializer.Serialize(line) + "\n", CancellationToken.None);
            await context.Response.Body.FlushAsync(CancellationToken.None);
        }

        try
        {
            await LineAsync(new { phase = "reading", text = texts["ReadingMatches"].Value });
            // The search and the wait for the list's turn stop when the page goes away; a write once sent finishes.
            var result = await saver.AddMatchingAsync(session.Actor, id, picker.Query, ct,
                count => LineAsync(new { phase = "saving", count, text = texts["Adding", count].Value }));
            var details = result.Dropped.Count > 0 ? new[] { texts["Dropped", string.Join(", ", result.Dropped)].Value } : [];
            await LineAsync(new
            {
                phase = "done",
                status = result.HttpStatus,
                error = result.Outcome is not (SaveOutcome.Saved or SaveOutcome.NothingToSave),
                text = texts[result.TextKey, [.. result.Arguments]].Value,
                details,
                added = result.Added,
            });
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page went away before anything was sent: there is nobody to tell.
        }
        catch (Exception e) when (e is Bitrix24Exception or CallListNotFoundException or SearchTooLongException)
        {
            var (status, textKey) = e switch
            {
                Bitrix24Exception b => Problems.For(b),
                CallListNotFoundException => (404, "ListNotFound"),
                _ => (400, "SearchTooLong"),
            };
            if (e is Bitrix24Exception failure)
            {
                await failures.RecordAsync(session.Account.Key, failure, CancellationToken.None);
            }

            await LineAsync(new { phase = "done", status, error = true, text = texts[textKey].Value, details = Array.Empty<string>(), added = 0 });
        }
    }
}
