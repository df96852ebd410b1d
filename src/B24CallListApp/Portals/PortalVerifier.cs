using System.Net;
using System.Net.Sockets;
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
public sealed class PortalVerifier(Bitrix24OAuthClient oauth, IOptions<Bitrix24Options> options, ILogger<PortalVerifier> logger)
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
            : !IsAllowedPortalAddress(info.ClientEndpoint) ? VerificationFailure.ForbiddenPortalAddress
            : null;
        if (failure is not null)
        {
            logger.LogWarning("Refused a request for portal {MemberId}: {Failure}", memberId, failure);
            return (null, failure);
        }

        return (new VerifiedPortal(info, server), null);
    }

    /// <summary>Portals live on public https hosts; loopback, private and plain http only when configured for development.</summary>
    public bool IsAllowedPortalAddress(Uri endpoint)
    {
        if (options.Value.AllowPrivateNetworkPortals)
        {
            return endpoint.Scheme is "https" or "http";
        }

        if (endpoint.Scheme != "https" || endpoint.IsLoopback || endpoint.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return !IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var address) || IsPublic(address);
    }

    static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal);
        }

        var b = address.GetAddressBytes();
        return !(b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] == 0 || b[0] >= 224);
    }
}
