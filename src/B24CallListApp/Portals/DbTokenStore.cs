using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using Microsoft.EntityFrameworkCore;

namespace B24CallListApp.Portals;

/// <summary>
/// Token pairs in the database, encrypted. A refreshed pair replaces the old one only if the row
/// still holds the refresh token it was made from (compare-and-swap), so two app instances
/// refreshing one account cannot both win.
/// </summary>
public sealed class DbTokenStore(IDbContextFactory<AppDb> dbFactory, TokenProtector protector, DbLeases leases, TimeProvider time, ILogger<DbTokenStore> logger) : IBitrix24TokenStore
{
    /// <summary>
    /// The lease that makes one refresh per expiry across instances. Only an optimisation: the
    /// compare-and-swap keeps pairs right without it, so a database that cannot take the lease just now
    /// does not stop the refresh.
    /// </summary>
    public async Task<IAsyncDisposable> LockAsync(AccountKey account, TimeSpan hold, CancellationToken ct)
    {
        try
        {
            return await leases.AcquireAsync("refresh:" + account, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not take the refresh lease of account {Account}; refreshing without it", account);
            return NoLease.Instance;
        }
    }

    sealed class NoLease : IAsyncDisposable
    {
        public static readonly NoLease Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public async Task<AuthToken?> GetAsync(AccountKey account, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Accounts.AsNoTracking()
            .Where(a => a.Portal.MemberId == account.MemberId && a.UserId == account.UserId)
            .Select(a => new { a.ProtectedAccessToken, a.ProtectedRefreshToken, a.ExpiresAt })
            .SingleOrDefaultAsync(ct);
        return row is null
            ? null
            : new AuthToken(protector.Unprotect(row.ProtectedAccessToken), protector.Unprotect(row.ProtectedRefreshToken), row.ExpiresAt);
    }

    public async Task<bool> TryReplaceAsync(AccountKey account, AuthToken previous, AuthToken next, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var previousHash = TokenProtector.Hash(previous.RefreshToken);
        var access = protector.Protect(next.AccessToken);
        var refresh = protector.Protect(next.RefreshToken);
        var hash = TokenProtector.Hash(next.RefreshToken);
        var now = time.GetUtcNow();
        var updated = await db.Accounts
            .Where(a => a.Portal.MemberId == account.MemberId && a.UserId == account.UserId && a.RefreshTokenHash == previousHash)
            .ExecuteUpdateAsync(s => s
                .SetProperty(a => a.ProtectedAccessToken, access)
                .SetProperty(a => a.ProtectedRefreshToken, refresh)
                .SetProperty(a => a.RefreshTokenHash, hash)
                .SetProperty(a => a.ExpiresAt, next.ExpiresAt)
                .SetProperty(a => a.UpdatedAt, now), ct);
        return updated == 1;
    }
}
