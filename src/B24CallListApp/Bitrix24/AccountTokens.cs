using System.Collections.Concurrent;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// Hands out an account's current token pair and refreshes it on <c>expired_token</c>: concurrent
/// callers of one account share one refresh, the new pair is stored (compare-and-swap) before anyone
/// uses it, and a caller that lost the race takes the winner's pair.
/// </summary>
public sealed class AccountTokens(IBitrix24TokenStore store, Bitrix24OAuthClient oauth, ILogger<AccountTokens> logger)
{
    readonly ConcurrentDictionary<AccountKey, SemaphoreSlim> _gates = new();

    public async Task<AuthToken> GetAsync(AccountKey account, CancellationToken ct) =>
        await store.GetAsync(account, ct) ?? throw new Bitrix24ReinstallRequiredException($"No tokens are stored for {account}");

    /// <summary>Returns a pair newer than <paramref name="expired"/>, refreshing only if nobody has yet.</summary>
    public async Task<AuthToken> RefreshAsync(Bitrix24Account account, AuthToken expired, CancellationToken ct)
    {
        var gate = _gates.GetOrAdd(account.Key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var current = await GetAsync(account.Key, ct);
            if (current.AccessToken != expired.AccessToken)
            {
                return current;
            }

            RefreshedToken refreshed;
            try
            {
                refreshed = await oauth.RefreshAsync(account.OAuthServer, current.RefreshToken, ct);
            }
            catch (Bitrix24ReinstallRequiredException)
            {
                // Another app instance may have used this refresh token a moment ago: its pair wins.
                var latest = await GetAsync(account.Key, ct);
                if (latest.RefreshToken != current.RefreshToken)
                {
                    return latest;
                }

                throw;
            }

            if (await store.TryReplaceAsync(account.Key, current, refreshed.Token, ct))
            {
                logger.LogInformation("Refreshed the tokens of account {Account}", account.Key);
                return refreshed.Token;
            }

            logger.LogInformation("Account {Account} was refreshed elsewhere first; using that pair", account.Key);
            return await GetAsync(account.Key, ct);
        }
        finally
        {
            gate.Release();
        }
    }
}
