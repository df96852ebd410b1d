using System.Threading.RateLimiting;
using B24CallListApp.Bitrix24;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Portals;

/// <summary>A portal POST whose access token a trusted OAuth server vouched for.</summary>
public sealed record VerifiedPortal(TokenInfo Info, Uri OAuthServer)
{
    /// <summary>The portal's web origin, from the REST address the OAuth server reports.</summary>
    public string Origin => Info.ClientEndpoint.GetLeftPart(UriPartial.Authority);
}

/// <summary>
/// Nothing a portal POSTs is believed until its access token is checked on a trusted OAuth server:
/// the token must be ours, of the same member_id and domain, and the portal's REST URL is the one
/// the OAuth server reports, never one from the request. Verification has a short time limit and a
/// cap on how many run at once, so a flood of forgeries cannot starve genuine opens.
/// </summary>
public sealed class PortalVerifier(Bitrix24OAuthClient oauth, PortalAddressPolicy addresses, IOptions<Bitrix24Options> options,
    IOptions<PortalPostOptions> posts, ILogger<PortalVerifier> logger) : IDisposable
{
    readonly ConcurrencyLimiter _gate = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = posts.Value.MaxConcurrentVerifications,
        QueueLimit = posts.Value.VerificationQueueLimit,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

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

    /// <param name="domain">The domain the request claims; null only where Bitrix24 sends none.</param>
    public async Task<(VerifiedPortal? Portal, VerificationFailure? Failure)> VerifyAsync(string accessToken, string memberId, string? domain, string? serverEndpoint, CancellationToken ct)
    {
        var server = TrustedOAuthServer(serverEndpoint);
        if (server is null)
        {
            logger.LogWarning("Refused a request for portal {MemberId}: SERVER_ENDPOINT is not a trusted OAuth server", PortalFields.ForLog(memberId));
            return (null, VerificationFailure.UntrustedOAuthServer);
        }

        using var lease = await _gate.AcquireAsync(1, ct);
        if (!lease.IsAcquired)
        {
            logger.LogWarning("Too many verifications at once; refused one for portal {MemberId}", PortalFields.ForLog(memberId));
            return (null, VerificationFailure.Busy);
        }

        TokenInfo info;
        try
        {
            info = await oauth.GetTokenInfoAsync(server, accessToken, ct);
        }
        catch (Bitrix24Exception e) when (e is Bitrix24TimeoutException or Bitrix24ConnectionException or Bitrix24UnexpectedResponseException)
        {
            logger.LogWarning("The OAuth server {Server} could not verify a token: {Error}", server, e.Code);
            return (null, VerificationFailure.OAuthServerUnreachable);
        }
        catch (Bitrix24Exception e)
        {
            logger.LogWarning("Refused a request for portal {MemberId}: the OAuth server rejected its token ({Code})", PortalFields.ForLog(memberId), e.Code);
            return (null, VerificationFailure.InvalidToken);
        }

        if (TokenInfoCheck.Check(info, options.Value.ClientId, memberId, domain, addresses) is { } failure)
        {
            logger.LogWarning("Refused a request for portal {MemberId}: {Failure}", PortalFields.ForLog(memberId), failure);
            return (null, failure);
        }

        return (new VerifiedPortal(info, server), null);
    }

    public void Dispose() => _gate.Dispose();
}
