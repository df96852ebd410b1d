using Microsoft.EntityFrameworkCore;

namespace B24CallListApp.Data;

/// <summary>
/// Leases in the database, so that app instances sharing it take turns: at most one holds a name (an
/// account's refresh, a call list's save) at a time, and a lease whose holder died ends by itself.
/// <para>
/// A live holder renews its lease every third of <see cref="Term"/>; one that was killed stops renewing, so
/// the others wait at most a term for it, not for the longest the work could have taken.
/// </para>
/// </summary>
public sealed class DbLeases(IDbContextFactory<AppDb> dbFactory, TimeProvider time)
{
    static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(250);

    TimeProvider Time => time;

    /// <summary>How long a lease outlives its holder's last renewal.</summary>
    public static readonly TimeSpan Term = TimeSpan.FromSeconds(15);

    /// <summary>Waits until the lease on <paramref name="key"/> is this caller's; it is held until released, for <paramref name="hold"/> at most.</summary>
    public async Task<IAsyncDisposable> AcquireAsync(string key, TimeSpan hold, CancellationToken ct)
    {
        var owner = Guid.NewGuid().ToString("N");
        var term = hold < Term ? hold : Term;
        var pause = TimeSpan.FromMilliseconds(10);
        while (!await TryAcquireAsync(key, owner, term, ct))
        {
            await Task.Delay(pause, ct);
            pause = pause * 2 < MaxPause ? pause * 2 : MaxPause;
        }

        return new Lease(this, key, owner, term, time.GetUtcNow() + hold);
    }

    async Task ExtendAsync(string key, string owner, TimeSpan term, CancellationToken ct)
    {
        var until = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)term.TotalMilliseconds;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Leases.Where(l => l.Key == key && l.Owner == owner).ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAtMs, until), ct);
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

    sealed class Lease : IAsyncDisposable
    {
        readonly DbLeases _leases;
        readonly string _key;
        readonly string _owner;
        readonly CancellationTokenSource _released = new();
        readonly Task _renewing;
        int _disposed;

        public Lease(DbLeases leases, string key, string owner, TimeSpan term, DateTimeOffset heldUntil)
        {
            (_leases, _key, _owner) = (leases, key, owner);
            _renewing = RenewAsync(term, heldUntil);
        }

        async Task RenewAsync(TimeSpan term, DateTimeOffset heldUntil)
        {
            using var every = new PeriodicTimer(term / 3, _leases.Time);
            try
            {
                while (await every.WaitForNextTickAsync(_released.Token) && _leases.Time.GetUtcNow() < heldUntil)
                {
                    try
                    {
                        await _leases.ExtendAsync(_key, _owner, term, _released.Token);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The database is away: the lease may run out meanwhile, and then another instance may take over.
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            await _released.CancelAsync();
            await _renewing;
            _released.Dispose();
            await _leases.ReleaseAsync(_key, _owner);
        }
    }
}
