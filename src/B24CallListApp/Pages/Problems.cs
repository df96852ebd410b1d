using B24CallListApp.Bitrix24;

namespace B24CallListApp.Pages;

/// <summary>
/// What the user is told when something fails: an HTTP status and the key of a sentence in their
/// language (Resources/SharedResource.resx) that says what happened and what to do. Never an exception's text.
/// </summary>
public static class Problems
{
    public static (int Status, string TextKey) For(Bitrix24Exception error) => error switch
    {
        Bitrix24PaymentRequiredException => (402, "PaymentRequired"),
        Bitrix24AppDeletedException => (410, "AppDeleted"),
        Bitrix24ReinstallRequiredException or Bitrix24AuthException => (401, "ReinstallRequired"),
        Bitrix24AccessDeniedException => (403, "AccessDenied"),
        Bitrix24PortalDeletedException => (410, "PortalDeleted"),
        Bitrix24RateLimitException or Bitrix24OperationTimeLimitException => (503, "PortalBusy"),
        Bitrix24TimeoutException or Bitrix24ConnectionException or Bitrix24UnexpectedResponseException or Bitrix24PortalMovedException => (503, "PortalUnreachable"),
        Bitrix24ApiException { HttpStatus: >= 500 } => (503, "PortalUnreachable"),
        _ => (500, "Error"),
    };

    /// <summary>What a failure of a page's or an endpoint's work tells the user; null for a failure nobody expected.</summary>
    public static (int Status, string TextKey)? For(Exception? error) => error switch
    {
        CallLists.CallListNotFoundException => (404, "ListNotFound"),
        CallLists.SearchTooLongException => (400, "SearchTooLong"),
        Bitrix24Exception failure => For(failure),
        _ => null,
    };

    public static (int Status, string TextKey) For(VerificationFailure failure) => failure switch
    {
        VerificationFailure.MissingFields or VerificationFailure.Malformed => (400, "BadRequest"),
        VerificationFailure.OAuthServerUnreachable => (503, "PortalUnreachable"),
        VerificationFailure.Busy => (503, "AppBusy"),
        _ => (403, "VerificationFailed"),
    };

    /// <summary>Why an open did not sign the user in; null when it did.</summary>
    public static (int Status, string TextKey)? For(Portals.SignInResult result) => result.Outcome switch
    {
        Portals.SignInOutcome.SignedIn => null,
        Portals.SignInOutcome.NotInstalled => (404, "NotInstalled"),
        Portals.SignInOutcome.Uninstalled => (404, "Uninstalled"),
        Portals.SignInOutcome.Failed => For(result.Error!),
        _ => For(result.Failure ?? VerificationFailure.InvalidToken),
    };

    /// <summary>Why a portal form could not be read (<see cref="Portals.PortalForm"/>).</summary>
    public static string ForFormStatus(int status) => status == StatusCodes.Status413PayloadTooLarge ? "TooLarge" : "BadRequest";
}
