namespace B24CallListApp.Bitrix24;

/// <summary>Why a token, or what the OAuth server says about it, was not believed.</summary>
public enum VerificationFailure
{
    MissingFields,
    Malformed,
    UntrustedOAuthServer,
    InvalidToken,
    WrongApp,
    WrongPortal,
    WrongDomain,
    ForbiddenPortalAddress,
    OAuthServerUnreachable,
    Busy,
}

/// <summary>
/// What must hold of an OAuth server's <c>app.info</c> answer before the app sends a token to the
/// portal it names: the token is this app's, of the expected portal, and the portal's REST address
/// is on its own domain and on an address the app may reach. Opens, installs, events and a portal's
/// move are all checked here, the same way.
/// </summary>
public static class TokenInfoCheck
{
    /// <param name="domain">The domain the request claimed, or null where none was claimed (a move).</param>
    public static VerificationFailure? Check(TokenInfo info, string? clientId, string memberId, string? domain, PortalAddressPolicy addresses) =>
        !string.Equals(info.ClientId, clientId, StringComparison.Ordinal) ? VerificationFailure.WrongApp
        : !string.Equals(info.MemberId, memberId, StringComparison.Ordinal) ? VerificationFailure.WrongPortal
        : domain is not null && !string.Equals(info.Domain, domain, StringComparison.OrdinalIgnoreCase) ? VerificationFailure.WrongDomain
        : !string.Equals(info.ClientEndpoint.Authority, info.Domain, StringComparison.OrdinalIgnoreCase) ? VerificationFailure.WrongDomain
        : !addresses.IsAllowed(info.ClientEndpoint) ? VerificationFailure.ForbiddenPortalAddress
        : null;
}
