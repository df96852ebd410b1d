using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using Microsoft.EntityFrameworkCore;

namespace B24CallListApp.Portals;

/// <summary>Stores what a verified install, update or open told us: the portal and the user's token pair.</summary>
public sealed class Installations(IDbContextFactory<AppDb> dbFactory, TokenProtector protector, TimeProvider time) : IBitrix24PortalStore
{
    public async Task<PortalRecord?> FindAsync(string memberId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Portals.AsNoTracking().SingleOrDefaultAsync(p => p.MemberId == memberId, ct);
    }

    /// <summary>Creates or updates the portal (keyed by member_id) and the account; idempotent.</summary>
    public async Task<PortalRecord> SaveAsync(VerifiedPortal verified, AuthToken token, string? applicationToken, bool? admin, PortalStatus? status, string? language, CancellationToken ct)
    {
        var info = verified.Info;
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var portal = await db.Portals.Include(p => p.Accounts.Where(a => a.UserId == info.UserId)).SingleOrDefaultAsync(p => p.MemberId == info.MemberId, ct);
        if (portal is null)
        {
            portal = new PortalRecord
            {
                MemberId = info.MemberId,
                Domain = info.Domain,
                ClientEndpoint = info.ClientEndpoint.ToString(),
                OAuthServer = verified.OAuthServer.ToString(),
                InstalledAt = now,
            };
            db.Portals.Add(portal);
        }

        portal.Domain = info.Domain;
        portal.ClientEndpoint = info.ClientEndpoint.ToString();
        portal.OAuthServer = verified.OAuthServer.ToString();
        portal.Scope = info.Scope;
        portal.UpdatedAt = now;
        portal.Language = language is { Length: > 0 and <= 8 } ? language : portal.Language;
        // A reinstall of a working portal must not lock its users out until someone opens the app.
        portal.Status = status == PortalStatus.Installing && portal.Status == PortalStatus.Active ? portal.Status : status ?? portal.Status;
        if (!string.IsNullOrEmpty(applicationToken))
        {
            portal.ProtectedApplicationToken = protector.Protect(applicationToken);
        }

        var account = portal.Accounts.SingleOrDefault();
        if (account is null)
        {
            account = new AccountRecord { UserId = info.UserId, ProtectedAccessToken = "", ProtectedRefreshToken = "", RefreshTokenHash = "" };
            portal.Accounts.Add(account);
        }

        account.ProtectedAccessToken = protector.Protect(token.AccessToken);
        account.ProtectedRefreshToken = protector.Protect(token.RefreshToken);
        account.RefreshTokenHash = TokenProtector.Hash(token.RefreshToken);
        account.ExpiresAt = token.ExpiresAt;
        account.Admin = admin ?? account.Admin;
        account.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return portal;
    }

    /// <summary>Reads the account's user with <c>profile</c> and records whether they are a portal administrator.</summary>
    public async Task<(bool Admin, string Name)> ReadProfileAsync(Bitrix24Client client, Bitrix24Account account, CancellationToken ct)
    {
        var profile = (await client.CallAsync(account, "profile", null, ct)).Result;
        var admin = profile.TryGetProperty("ADMIN", out var flag) && flag.ValueKind == System.Text.Json.JsonValueKind.True;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.Accounts.Where(a => a.Portal.MemberId == account.Key.MemberId && a.UserId == account.Key.UserId)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Admin, admin), ct);
        }

        string Text(string name) => profile.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString()! : "";
        return (admin, $"{Text("NAME")} {Text("LAST_NAME")}".Trim());
    }

    public async Task SetStatusAsync(string memberId, PortalStatus status, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Portals.Where(p => p.MemberId == memberId).ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, status).SetProperty(p => p.UpdatedAt, time.GetUtcNow()), ct);
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

    /// <summary>ONAPPUNINSTALL: with CLEAN the portal's data goes, otherwise its tokens go and it is marked uninstalled.</summary>
    public async Task UninstallAsync(string memberId, bool clean, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Accounts.Where(a => a.Portal.MemberId == memberId).ExecuteDeleteAsync(ct);
        if (clean)
        {
            await db.Portals.Where(p => p.MemberId == memberId).ExecuteDeleteAsync(ct);
        }
        else
        {
            await db.Portals.Where(p => p.MemberId == memberId).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, PortalStatus.Uninstalled)
                .SetProperty(p => p.ProtectedApplicationToken, (string?)null)
                .SetProperty(p => p.UpdatedAt, time.GetUtcNow()), ct);
        }

        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Marks the portal by what Bitrix24 said (payment, deleted app, dead refresh token) and gives the
    /// HTTP status and the text that tells the user what to do. One portal's state never touches another's.
    /// </summary>
    public async Task<(int Status, string TextKey)> RecordFailureAsync(string memberId, Bitrix24Exception error, CancellationToken ct)
    {
        var (status, portalStatus, textKey) = error switch
        {
            Bitrix24PaymentRequiredException => (402, PortalStatus.PaymentRequired, "PaymentRequired"),
            Bitrix24AppDeletedException => (410, PortalStatus.AppDeleted, "AppDeleted"),
            Bitrix24ReinstallRequiredException => (401, PortalStatus.ReinstallRequired, "ReinstallRequired"),
            Bitrix24AuthException => (401, (PortalStatus?)null, "ReinstallRequired"),
            Bitrix24AccessDeniedException => (403, null, "AccessDenied"),
            Bitrix24PortalDeletedException => (410, PortalStatus.Uninstalled, "PortalDeleted"),
            Bitrix24InvalidClientException => (500, null, "Error"),
            _ => (503, null, "PortalUnreachable"),
        };
        if (portalStatus is { } newStatus)
        {
            await SetStatusAsync(memberId, newStatus, ct);
        }

        return (status, textKey);
    }

    public bool ApplicationTokenMatches(PortalRecord portal, string? applicationToken) =>
        portal.ProtectedApplicationToken is { } stored && TokenProtector.FixedTimeEquals(protector.Unprotect(stored), applicationToken);

    public static Bitrix24Account AccountOf(PortalRecord portal, long userId) =>
        new(new AccountKey(portal.MemberId, userId), new Uri(portal.ClientEndpoint), new Uri(portal.OAuthServer));
}
