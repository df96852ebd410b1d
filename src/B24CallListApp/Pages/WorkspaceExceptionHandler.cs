using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using B24CallListApp.Resources;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace B24CallListApp.Pages;

/// <summary>
/// Where a failure of a page's or an endpoint's work becomes what the user is told: a Bitrix24 failure
/// is recorded on the account it happened to, and the JSON endpoints answer problem details with the
/// sentence and its key as <c>code</c>. Pages are re-executed on <c>/Error</c>, which shows the same
/// sentence in the page, framed for the portal (<see cref="ErrorModel"/>).
/// </summary>
public sealed class WorkspaceExceptionHandler(PortalFailures failures, IStringLocalizer<SharedResource> texts) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var session = context.Features.Get<PageSessionFeature>()?.Session;
        if (exception is Bitrix24Exception failure && session is not null)
        {
            // Recorded even when the user has gone: the portal answered, and the account's state must follow.
            await failures.RecordAsync(session.Account.Key, failure, CancellationToken.None);
        }

        if (IsPage(context))
        {
            return false;
        }

        var (status, textKey) = Problems.For(exception) ?? (StatusCodes.Status500InternalServerError, "Error");
        await PageApi.Problem(status, textKey, session?.Session.Language ?? PortalFields.Language(context.Request.Query["LANG"]), texts).ExecuteAsync(context);
        return true;
    }

    /// <summary>Whether the failed request was a page's (the handler runs after the middleware cleared the endpoint: the feature keeps it).</summary>
    static bool IsPage(HttpContext context) =>
        (context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint())?.Metadata.GetMetadata<PageActionDescriptor>() is not null;
}
