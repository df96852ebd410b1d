using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// Hands out an account's current token pair and refreshes it on <c>expired_token</c>. Concurrent
/// callers of one account share one refresh; the new pair is stored (compare-and-swap) before anyone
/// uses it; a caller that lost the race takes the winner's pair.
/// </summary>
/// <remarks>
/// A refresh spends the old refresh token the moment Bitrix24 answers, so once sent it runs to the
/// end on its own clock, not on the cancellation token of the request that caused it: a caller that
/// goes away stops waiting, the refresh and the write still finish. A pair the database would not
/// take is kept in memory and written again on the next use, never dropped.
/// </remarks>
public sealed class AccountTokens(IBitrix24TokenStore store, Bitrix24OAuthClient oauth, Bitrix24Metrics metrics, IOptions<Bitrix24Options> options, ILogger<AccountTokens> logger)
{
    readonly ConcurrentDictionary<AccountKey, Lazy<Task<AuthToken>>> _refreshes = new();

    // Pairs Bitrix24 issued that the store has not yet taken: (the pair it replaces, the new pair).
    readonly ConcurrentDictionary<AccountKey, (AuthToken Previous, AuthToken Next)> _unsaved = new();

    public async Task<AuthToken> GetAsync(AccountKey account, CancellationToken ct)
    {
        if (_unsaved.TryGetValue(account, out var pending))
        {
            await TrySaveUnsavedAsync(account, pending, ct);
            if (_unsaved.TryGetValue(account, out pending))
            {
                return pending.Next;
            }
        }

        return await store.GetAsync(account, ct) ?? throw new Bitrix24ReinstallRequiredException($"No tokens are stored for {account}");
    }

    /// <summary>Returns a pair newer than <paramref name="expired"/>, refreshing only if nobody has yet.</summary>
    public Task<AuthToken> RefreshAsync(Bitrix24Account account, AuthToken expired, CancellationToken ct)
    {
        while (true)
        {
            var refresh = _refreshes.GetOrAdd(account.Key, key => new Lazy<Task<AuthToken>>(() => RunRefreshAsync(account, expired)));
            var task = refresh.Value;
            if (!task.IsCompleted || task.IsCompletedSuccessfully && task.Result.AccessToken != expired.AccessToken)
            {
                return task.WaitAsync(ct);
            }

            // A finished refresh from an earlier expiry: let the next one start.
            _refreshes.TryRemove(new KeyValuePair<AccountKey, Lazy<Task<AuthToken>>>(account.Key, refresh));
        }
    }

    async Task<AuthToken> RunRefreshAsync(Bitrix24Account account, AuthToken expired)
    {
        // The caller's token is deliberately not used: see the remarks on the class.
        using var timeout = new CancellationTokenSource(options.Value.RefreshTimeout);
        var ct = timeout.Token;
        // One refresh per expiry across instances too: whoever holds the lease refreshes, the others then find its pair.
        await using var turn = await store.LockAsync(account.Key, options.Value.RefreshTimeout * 2, ct);
        var current = await GetAsync(account.Key, ct);
        if (current.AccessToken != expired.AccessToken)
        {
            return current;
        }

        if (current.RefreshToken.Length == 0)
        {
            // The portal never gave this user a refresh token: only a new open brings the user back.
            throw new Bitrix24ReinstallRequiredException($"No refresh token is stored for {account.Key}");
        }

        RefreshedToken refreshed;
        try
        {
            refreshed = await oauth.RefreshAsync(account.OAuthServer, current.RefreshToken, ct);
            metrics.Refresh(granted: true);
        }
        catch (Bitrix24ReinstallRequiredException)
        {
            metrics.Refresh(granted: false);
            // Another app instance may have used this refresh token a moment ago: its pair wins. It may
            // still be writing it, so the store is asked again for a little while before giving up.
            for (var attempt = 0; attempt < 15; attempt++)
            {
                var latest = await GetAsync(account.Key, ct);
                if (latest.RefreshToken != current.RefreshToken)
                {
                    logger.LogInformation("Account {Account} was refreshed elsewhere first; using that pair", account.Key);
                    return latest;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }

            throw;
        }
        catch (Exception)
        {
            metrics.Refresh(granted: false);
            throw;
        }

        // From here Bitrix24 has spent the old refresh token: the write must not be cut short.
        return await StoreAsync(account.Key, current, refreshed.Token);
    }

    /// <summary>Writes a pair Bitrix24 has issued; a failed write is retried, and the pair kept in memory until one succeeds.</summary>
    async Task<AuthToken> StoreAsync(AccountKey account, AuthToken previous, AuthToken next)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var attemptTimeout = new CancellationTokenSource(options.Value.RefreshTimeout);
            var ct = attemptTimeout.Token;
            try
            {
                if (await store.TryReplaceAsync(account, previous, next, ct))
                {
                    _unsaved.TryRemove(account, out _);
                    logger.LogInformation("Refreshed the tokens of account {Account}", account);
                    return next;
                }

                logger.LogInformation("Account {Account} was refreshed elsewhere first; using that pair", account);
                return await store.GetAsync(account, ct) ?? next;
            }
            catch (Exception e) when (attempt < 3)
            {
                logger.LogWarning(e, "Could not store the refreshed tokens of account {Account} (attempt {Attempt}); retrying", account, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), CancellationToken.None);
            }
            catch (Exception e)
            {
                _unsaved[account] = (previous, next);
                logger.LogError(e, "Could not store the refreshed tokens of account {Account}; keeping them in memory and writing them again on next use", account);
                return next;
            }
        }
    }

    async Task TrySaveUnsavedAsync(AccountKey account, (AuthToken Previous, AuthToken Next) pending, CancellationToken ct)
    {
        try
        {
            if (await store.TryReplaceAsync(account, pending.Previous, pending.Next, ct) || await store.GetAsync(account, ct) is { } stored && stored.RefreshToken != pending.Previous.RefreshToken)
            {
                // Written now, or the store already holds a newer pair than the one we replace.
                _unsaved.TryRemove(new KeyValuePair<AccountKey, (AuthToken, AuthToken)>(account, pending));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The refreshed tokens of account {Account} are still not stored", account);
        }
    }
}
