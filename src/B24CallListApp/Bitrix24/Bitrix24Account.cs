namespace B24CallListApp.Bitrix24;

/// <summary>One user of one portal: whose rights a call uses and whose token pair it spends.</summary>
public sealed record AccountKey(string MemberId, long UserId)
{
    public override string ToString() => $"{MemberId}/{UserId}";
}

/// <summary>A user's OAuth token pair. Never logged: <see cref="ToString"/> hides the secrets.</summary>
public sealed record AuthToken(string AccessToken, string RefreshToken, DateTimeOffset ExpiresAt)
{
    public override string ToString() => $"AuthToken(expires {ExpiresAt:O})";
}

/// <summary>
/// Where a call goes and as whom: the portal's REST URL and OAuth server come from a verified
/// install or open, never from an unverified request.
/// </summary>
public sealed record Bitrix24Account(AccountKey Key, Uri ClientEndpoint, Uri OAuthServer);

/// <summary>
/// Where token pairs live. The persistence layer implements it; saving is a compare-and-swap on
/// the previous refresh token, so two refreshes of one account can never both win.
/// </summary>
public interface IBitrix24TokenStore
{
    Task<AuthToken?> GetAsync(AccountKey account, CancellationToken ct);

    /// <summary>Stores <paramref name="next"/> only if the stored pair is still <paramref name="previous"/>.</summary>
    Task<bool> TryReplaceAsync(AccountKey account, AuthToken previous, AuthToken next, CancellationToken ct);

    /// <summary>
    /// Waits until this caller alone may refresh the account, across every app instance sharing the
    /// store, for at most <paramref name="hold"/>: so an expiry costs one refresh at the OAuth server.
    /// </summary>
    Task<IAsyncDisposable> LockAsync(AccountKey account, TimeSpan hold, CancellationToken ct);
}

/// <summary>Where portal records live; the client reports a portal that moved to a new domain.</summary>
public interface IBitrix24PortalStore
{
    Task MovedAsync(string memberId, string domain, Uri clientEndpoint, CancellationToken ct);
}
