namespace B24CallListApp.Bitrix24;

/// <summary>Anything that went wrong talking to Bitrix24, with Bitrix24's own code where there is one.</summary>
public class Bitrix24Exception(string message, string? code = null, string? description = null, int? httpStatus = null, Exception? inner = null)
    : Exception(message, inner)
{
    public string? Code { get; } = code;
    public string? Description { get; } = description;
    public int? HttpStatus { get; } = httpStatus;

    /// <summary>
    /// The portal may have carried the call out before it failed: the answer was lost (a timeout, a dropped
    /// connection, an answer that could not be read) or the portal failed mid-way (5xx). A write that ends so
    /// is read back, never assumed done or undone.
    /// </summary>
    public virtual bool OutcomeUnknown => false;

    /// <summary>The call certainly was not carried out: the portal's limit turned it away, or it never left the app.</summary>
    public virtual bool NotCarriedOut => false;

    /// <summary>The portal refused the call as sent with a documented error (not the token, not a limit): nothing changed, and the same call would be refused again.</summary>
    public bool Refused => this is Bitrix24ApiException and not (Bitrix24AuthException or Bitrix24RateLimitException or Bitrix24OperationTimeLimitException) && (HttpStatus ?? 500) < 500;
}

/// <summary>The portal answered a documented error (ENTITIES_ERROR, LIST_ID_ERROR, ...).</summary>
public class Bitrix24ApiException(string method, string code, string description, int httpStatus)
    : Bitrix24Exception($"Bitrix24 {method} failed: {code} ({description})", code, description, httpStatus)
{
    public string Method { get; } = method;

    public override bool OutcomeUnknown => (HttpStatus ?? 500) >= 500 && !NotCarriedOut;
}

/// <summary>The user lacks the rights (ACCESS_DENIED, ACCESS_ERROR, insufficient_scope, user_access_error).</summary>
public sealed class Bitrix24AccessDeniedException(string method, string code, string description, int httpStatus)
    : Bitrix24ApiException(method, code, description, httpStatus);

/// <summary>The access token is unknown or invalid and refreshing cannot help: the user must open the app again.</summary>
public sealed class Bitrix24AuthException(string method, string code, string description, int httpStatus)
    : Bitrix24ApiException(method, code, description, httpStatus);

/// <summary>The portal's rate limit answered QUERY_LIMIT_EXCEEDED; nothing was executed.</summary>
public sealed class Bitrix24RateLimitException(string method, string description)
    : Bitrix24ApiException(method, "QUERY_LIMIT_EXCEEDED", description, 503)
{
    public override bool NotCarriedOut => true;
}

/// <summary>The method used up its operating time (429 OPERATION_TIME_LIMIT) until <see cref="ResetAt"/>.</summary>
public sealed class Bitrix24OperationTimeLimitException(string method, string description, DateTimeOffset resetAt)
    : Bitrix24ApiException(method, "OPERATION_TIME_LIMIT", description, 429)
{
    public DateTimeOffset ResetAt { get; } = resetAt;

    public override bool NotCarriedOut => true;
}

/// <summary>The portal no longer exists (PORTAL_DELETED).</summary>
public sealed class Bitrix24PortalDeletedException(string method, string description, int httpStatus)
    : Bitrix24ApiException(method, "PORTAL_DELETED", description, httpStatus);

/// <summary>The portal moved to another domain (302); its record must be updated, keyed by member_id.</summary>
public sealed class Bitrix24PortalMovedException(string method, string? newDomain)
    : Bitrix24Exception($"Bitrix24 {method}: the portal moved to {newDomain ?? "an unknown domain"}", "PORTAL_MOVED", null, 302)
{
    public string? NewDomain { get; } = newDomain;
}

/// <summary>The refresh token is dead (invalid_grant): an administrator must reinstall the app, or the user open it again.</summary>
public sealed class Bitrix24ReinstallRequiredException(string description)
    : Bitrix24Exception("The portal's authorization is no longer valid; open the app again or reinstall it.", "invalid_grant", description);

/// <summary>Our client_id/client_secret were refused (invalid_client): the operator must fix the configuration.</summary>
public sealed class Bitrix24InvalidClientException(string description)
    : Bitrix24Exception("Bitrix24 refused the app's client credentials; check Bitrix24:ClientId and Bitrix24:ClientSecret.", "invalid_client", description);

/// <summary>The app was deleted from the portal or the marketplace (wrong_client).</summary>
public sealed class Bitrix24AppDeletedException(string description)
    : Bitrix24Exception("The app is no longer installed in this portal; an administrator must install it again.", "wrong_client", description);

/// <summary>The portal's subscription does not cover the app (PAYMENT_REQUIRED).</summary>
public sealed class Bitrix24PaymentRequiredException(string description)
    : Bitrix24Exception("The app needs a paid subscription in this portal; an administrator must renew it.", "PAYMENT_REQUIRED", description, 402);

/// <summary>Any other OAuth server error (invalid_scope, invalid_request, ...).</summary>
public sealed class Bitrix24OAuthException(string code, string description, int httpStatus)
    : Bitrix24Exception($"Bitrix24 OAuth server refused the request: {code} ({description})", code, description, httpStatus);

/// <summary>No answer within the time limit. For a write, whether it happened is unknown.</summary>
public sealed class Bitrix24TimeoutException(string method, Exception? inner = null)
    : Bitrix24Exception($"Bitrix24 {method} did not answer in time", "TIMEOUT", null, null, inner)
{
    public override bool OutcomeUnknown => true;
}

/// <summary>The connection failed or was dropped. For a write, whether it happened is unknown.</summary>
public sealed class Bitrix24ConnectionException(string method, Exception inner)
    : Bitrix24Exception($"Bitrix24 {method}: connection failed ({inner.Message})", "CONNECTION_FAILED", null, null, inner)
{
    public override bool OutcomeUnknown => true;
}

/// <summary>An answer that is not Bitrix24's JSON (an HTML error page, an empty body, broken JSON).</summary>
public sealed class Bitrix24UnexpectedResponseException(string method, int httpStatus, string snippet)
    : Bitrix24Exception($"Bitrix24 {method} gave an unexpected answer (HTTP {httpStatus}): {snippet}", "UNEXPECTED_ANSWER", null, httpStatus)
{
    public override bool OutcomeUnknown => true;
}

/// <summary>The portal's answer was larger than <see cref="Bitrix24Options.MaxResponseBytes"/>; it was not read.</summary>
public sealed class Bitrix24ResponseTooLargeException(string method, long limit)
    : Bitrix24Exception($"Bitrix24 {method} answered more than {limit} bytes; the answer was refused", "RESPONSE_TOO_LARGE");

/// <summary>A call that had to start within a time (a write under a lease) waited longer for the portal's limit: it was not sent.</summary>
public sealed class Bitrix24NotSentException(string method)
    : Bitrix24Exception($"Bitrix24 {method} was not sent: the portal's limit did not let it start in time", "NOT_SENT")
{
    public override bool NotCarriedOut => true;
}

/// <summary>A paged read passed <see cref="Bitrix24Options.MaxRowsPerRead"/> rows or <see cref="Bitrix24Options.MaxReadTime"/>.</summary>
public sealed class Bitrix24ReadLimitException(string method, string what)
    : Bitrix24Exception($"Reading {method} stopped: {what}", "READ_LIMIT");

/// <summary>The portal's host resolves only to loopback or private addresses, which the app does not call.</summary>
public sealed class Bitrix24ForbiddenAddressException(string method, Exception inner)
    : Bitrix24Exception($"Bitrix24 {method}: the portal's address is not a public one", "FORBIDDEN_ADDRESS", null, null, inner);
