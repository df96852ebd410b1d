using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using Microsoft.EntityFrameworkCore;

namespace B24CallListApp.Portals;

/// <summary>A user's token pair as a verified request brought it.</summary>
public sealed record AccountGrant(long UserId, string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt, bool? Admin = null);

/// <summary>What a verified request may change about a portal; null leaves a value as it is.</summary>
public sealed record PortalChange(PortalStatus? Status = null, string? Language = null, string? ApplicationToken = null);

/// <summary>
/// The portals the app is installed in and their users' accounts, encrypted at rest. Policy (who may
/// change what) lives with the callers; this class only stores what they decided.
/// </summary>
public sealed class PortalStore(IDbContextFactory<AppDb> dbFactory, TokenProtector protector, TimeProvider time) : IBitrix24PortalStore
{
    // Saves of one portal take turns within this instance, so they never race each other's inserts.
    readonly Bitrix24.KeyedLocks<string> _saves = new();

    public async Task<PortalRecord?> FindAsync(string memberId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Portals.AsNoTracking().SingleOrDefaultAsync(p => p.MemberId == memberId, ct);
    }

    public async Task<AccountRecord?> FindAccountAsync(AccountKey key, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Portal.MemberId == key.MemberId && a.UserId == key.UserId, ct);
    }

    /// <summary>
    /// Creates or updates the portal (keyed by member_id) and, when given, the user's account. Two
    /// first opens of a new portal at once both succeed: the loser of the insert updates instead.
    /// </summary>
    public async Task<PortalRecord> SaveAsync(VerifiedPortal verified, AccountGrant? account, PortalChange change, CancellationToken ct)
    {
        using var turn = await _saves.EnterAsync(verified.Info.MemberId, ct);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TrySaveAsync(verified, account, change, ct);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another instance inserted the same portal or account a moment ago; it exists now.
            }
        }
    }

    async Task<PortalRecord> TrySaveAsync(VerifiedPortal verified, AccountGrant? grant, PortalChange change, CancellationToken ct)
    {
        var info = verified.Info;
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var userId = grant?.UserId ?? -1;
        var portal = await db.Portals.Include(p => p.Accounts.Where(a => a.UserId == userId)).SingleOrDefaultAsync(p => p.MemberId == info.MemberId, ct);
        if (portal is null)
        {
            portal = new PortalRecord
            {
                MemberId = info.MemberId,
                Domain = info.Domain,
                ClientEndpoint = info.ClientEndpoint.ToString(),
                OAuthServer = verified.OAuthServer.ToString(),
                InstalledAt = now,
                Status = PortalStatus.Installing,
            };
            db.Portals.Add(portal);
        }

        portal.Domain = info.Domain;
        portal.ClientEndpoint = info.ClientEndpoint.ToString();
        portal.OAuthServer = verified.OAuthServer.ToString();
        portal.Scope = info.Scope;
        portal.UpdatedAt = now;
        portal.Language = change.Language ?? portal.Language;
        // A reinstall of a working portal must not lock its users out until someone opens the app.
        portal.Status = change.Status == PortalStatus.Installing && portal.Status == PortalStatus.Active ? portal.Status : change.Status ?? portal.Status;
        if (change.ApplicationToken is { Length: > 0 } applicationToken)
        {
            portal.ProtectedApplicationToken = protector.Protect(applicationToken);
        }

        if (grant is not null)
        {
            var account = portal.Accounts.SingleOrDefault();
            if (account is null)
            {
                account = new AccountRecord { UserId = grant.UserId, ProtectedAccessToken = "", ProtectedRefreshToken = protector.Protect(""), RefreshTokenHash = TokenProtector.Hash("") };
                portal.Accounts.Add(account);
            }

            account.ProtectedAccessToken = protector.Protect(grant.AccessToken);
            // A request without a refresh token never wipes the one we hold: it may be the only way back.
            if (!string.IsNullOrEmpty(grant.RefreshToken))
            {
                account.ProtectedRefreshToken = protector.Protect(grant.RefreshToken);
                account.RefreshTokenHash = TokenProtector.Hash(grant.RefreshToken);
            }

            account.ExpiresAt = grant.ExpiresAt;
            account.Admin = grant.Admin ?? account.Admin;
            account.Failure = null;
            account.FailedAt = null;
            account.UpdatedAt = now;
        }

        await db.SaveChangesAsync(ct);
        return portal;
    }

    public async Task SetAdminAsync(AccountKey key, bool admin, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Accounts.Where(a => a.Portal.MemberId == key.MemberId && a.UserId == key.UserId)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Admin, admin), ct);
    }

    public async Task SetStatusAsync(string memberId, PortalStatus status, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        await db.Portals.Where(p => p.MemberId == memberId).ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, status).SetProperty(p => p.UpdatedAt, now), ct);
    }

    /// <summary>Records why one user's tokens stopped working; other users and the portal are untouched.</summary>
    public async Task SetAccountFailureAsync(AccountKey key, string failure, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        await db.Accounts.Where(a => a.Portal.MemberId == key.MemberId && a.UserId == key.UserId)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Failure, failure).SetProperty(a => a.FailedAt, now), ct);
    }

    /// <summary>The portal's administrators whose tokens last worked, most recently used first.</summary>
    public async Task<IReadOnlyList<long>> WorkingAdminsAsync(string memberId, CancellationToken ct) =>
        (await AccountSummariesAsync(memberId, ct)).Where(a => a.Admin && !a.Failed).Select(a => a.UserId).ToList();

    /// <summary>Every account of the portal, administrators first: whose tokens can answer for the portal.</summary>
    public async Task<IReadOnlyList<long>> AccountsAsync(string memberId, CancellationToken ct) =>
        (await AccountSummariesAsync(memberId, ct)).Select(a => a.UserId).ToList();

    async Task<List<(long UserId, bool Admin, bool Failed)>> AccountSummariesAsync(string memberId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var accounts = await db.Accounts.AsNoTracking()
            .Where(a => a.Portal.MemberId == memberId)
            .Select(a => new { a.UserId, a.Admin, Failed = a.Failure != null, a.UpdatedAt })
            .ToListAsync(ct);
        // Ordered here: SQLite cannot order by a DateTimeOffset, and a portal has few accounts.
        return accounts.OrderByDescending(a => a.Admin).ThenByDescending(a => a.UpdatedAt).Select(a => (a.UserId, a.Admin, a.Failed)).ToList();
    }

    /// <summary>A portal that moved keeps its member_id; only where it lives changes.</summary>
    public async Task MovedAsync(string memberId, string domain, Uri clientEndpoint, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var endpoint = clientEndpoint.ToString();
        await db.Portals.Where(p => p.MemberId == memberId).ExecuteUpdateAsync(s => s
            .SetProperty(p => p.Domain, domain)
            .SetProperty(p => p.ClientEndpoint, endpoint)
            .SetProperty(p => p.UpdatedAt, now), ct);
    }

    /// <summary>With CLEAN the portal's data goes, otherwise its tokens go and it is marked uninstalled.</summary>
    public async Task UninstallAsync(string memberId, bool clean, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // The whole transaction is what a retrying database connection repeats.
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.Accounts.Where(a => a.Portal.MemberId == memberId).ExecuteDeleteAsync(ct);
            if (clean)
            {
                await db.Portals.Where(p => p.MemberId == memberId).ExecuteDeleteAsync(ct);
            }
            else
            {
                var now = time.GetUtcNow();
                await db.Portals.Where(p => p.MemberId == memberId).ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.Status, PortalStatus.Uninstalled)
                    .SetProperty(p => p.ProtectedApplicationToken, (string?)null)
                    .SetProperty(p => p.UpdatedAt, now), ct);
            }

            await transaction.CommitAsync(ct);
        });
    }

    /// <summary>The stored application token compared in constant time; a portal without one matches nothing.</summary>
    public bool ApplicationTokenMatches(PortalRecord portal, string? applicationToken) =>
        portal.ProtectedApplicationToken is { } stored && TokenProtector.FixedTimeEquals(protector.Unprotect(stored), applicationToken);

    public static Bitrix24Account AccountOf(PortalRecord portal, long userId) =>
        new(new AccountKey(portal.MemberId, userId), new Uri(portal.ClientEndpoint), new Uri(portal.OAuthServer));
}
