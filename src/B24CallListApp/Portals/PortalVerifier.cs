using B24CallListApp.Bitrix24;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Portals;

/// <summary>Why a request claiming to come from a portal was not believed.</summary>
public enum VerificationFailure
{
    MissingFields,
    UntrustedOAuthServer,
    InvalidToken,
    WrongApp,
    WrongPortal,
    WrongDomain,
    ForbiddenPortalAddress,
    OAuthServerUnreachable,
}

public sealed record VerifiedPortal(TokenInfo Info, Uri OAuthServer);

/// <summary>
/// Nothing a portal POSTs is believed until its access token is checked on a trusted OAuth server:
/// the token must be ours, of the same member_id and domain, and the portal's REST URL is the one
/// the OAuth server reports, never one from the request.
/// </summary>
public sealed class PortalVerifier(Bitrix24OAuthClient oauth, PortalAddressPolicy addresses, IOptions<Bitrix24Options> options, ILogger<PortalVerifier> logger)
{
    public Uri? TrustedOAuthServer(string? serverEndpoint)
    {
        if (string.IsNullOrEmpty(serverEndpoint) || !Uri.TryCreate(serverEndpoint, UriKind.Absolute, out var endpoint))
        {
            return null;
        }

        return options.Value.TrustedOAuthServers.FirstOrDefault(server =>
            string.Equals(server.Scheme, endpoint.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(server.Authority, endpoint.Authority, StringComparison.OrdinalIgnoreCase) &&
            endpoint.AbsolutePath.StartsWith(server.AbsolutePath, StringComparison.Ordinal));
    }

    public async Task<(VerifiedPortal? Portal, VerificationFailure? Failure)> VerifyAsync(string? accessToken, string? memberId, string? domain, string? serverEndpoint, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(accessToken) || string.IsNullOrEmpty(memberId) || string.IsNullOrEmpty(domain))
        {
            return (null, VerificationFailure.MissingFields);
        }

        var server = TrustedOAuthServer(serverEndpoint);
        if (server is null)
        {
            logger.LogWarning("Refused a request for portal {MemberId}: SERVER_ENDPOINT is not a trusted OAuth server", memberId);
            return (null, VerificationFailure.UntrustedOAuthServer);
        }

        TokenInfo info;
        try
        {
            info = await oauth.GetTokenInfoAsync(server, accessToken, ct);
        }
        catch (Bitrix24Exception e) when (e is Bitrix24TimeoutException or Bitrix24ConnectionException or Bitrix24UnexpectedResponseException)
        {
            logger.LogWarning("The OAuth server {Server} could not verify a token: {Error}", server, e.Message);
            return (null, VerificationFailure.OAuthServerUnreachable);
        }
        catch (Bitrix24Exception e)
        {
            logger.LogWarning("Refused a request for portal {MemberId}: the OAuth server rejected its token ({Code})", memberId, e.Code);
            return (null, VerificationFailure.InvalidToken);
        }

        VerificationFailure? failure =
            !string.Equals(info.ClientId, options.Value.ClientId, StringComparison.Ordinal) ? VerificationFailure.WrongApp
            : !string.Equals(info.MemberId, memberId, StringComparison.Ordinal) ? VerificationFailure.WrongPortal
            : !string.Equals(info.Domain, domain, StringComparison.OrdinalIgnoreCase) ? VerificationFailure.WrongDomain
            : !string.Equals(info.ClientEndpoint.Authority, info.Domain, StringComparison.OrdinalIgnoreCase) ? VerificationFailure.WrongDomain
            : !addresses.IsAllowed(info.ClientEndpoint) ? VerificationFailure.ForbiddenPortalAddress
            : null;
        if (failure is not null)
        {
            logger.LogWarning("Refused a request for portal {MemberId}: {Failure}", memberId, failure);
            return (null, failure);
        }

        return (new VerifiedPortal(info, server), null);
    }
}
