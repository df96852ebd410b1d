using Microsoft.EntityFrameworkCore;

namespace B24CallListApp.Data;

/// <summary>
/// Leases in the database, so that app instances sharing it take turns: at most one holds a name (an
/// account's refresh, a call list's save) at a time, and a lease whose holder died ends by itself.
/// </summary>
public sealed class DbLeases(IDbContextFactory<AppDb> dbFactory, TimeProvider time)
{
    static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(250);

    /// <summary>Waits until the lease on <paramref name="key"/> is this caller's; it lasts <paramref name="hold"/> unless released first.</summary>
    public async Task<IAsyncDisposable> AcquireAsync(string key, TimeSpan hold, CancellationToken ct)
    {
        var owner = Guid.NewGuid().ToString("N");
        var pause = TimeSpan.FromMilliseconds(10);
        while (!await TryAcquireAsync(key, owner, hold, ct))
        {
            await Task.Delay(pause, ct);
            pause = pause * 2 < MaxPause ? pause * 2 : MaxPause;
        }

        return new Lease(this, key, owner);
    }

    async Task<bool> TryAcquireAsync(string key, string owner, TimeSpan hold, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = now + (long)hold.TotalMilliseconds;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Take over a lease that has run out, or insert a new one: both single statements, atomic in SQLite and PostgreSQL.
        var taken = await db.Leases.Where(l => l.Key == key && l.ExpiresAtMs < now)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Owner, owner).SetProperty(l => l.ExpiresAtMs, until), ct);
        if (taken == 1)
        {
            return true;
        }

        return await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO \"Leases\" (\"Key\", \"Owner\", \"ExpiresAtMs\") VALUES ({key}, {owner}, {until}) ON CONFLICT (\"Key\") DO NOTHING", ct) == 1;
    }

    async Task ReleaseAsync(string key, string owner)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.Leases.Where(l => l.Key == key && l.Owner == owner).ExecuteDeleteAsync(CancellationToken.None);
    }

    sealed class Lease(DbLeases leases, string key, string owner) : IAsyncDisposable
    {
        int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                await leases.ReleaseAsync(key, owner);
            }
        }
    }
}
