using Microsoft.EntityFrameworkCore;

namespace B24CallListApp.Data;

/// <summary>The lease was taken over by another instance (its holder stalled past the term): whatever it guarded must not go ahead.</summary>
public sealed class LeaseLostException(string key) : Exception($"The lease on {key} was lost.");

/// <summary>
/// Leases in the database, so that app instances sharing it take turns: at most one holds a name (an
/// account's refresh, a call list's save) at a time, and a lease whose holder died ends by itself.
/// <para>
/// Expiry is computed on the database's clock, so instances whose clocks disagree still agree on when a
/// lease ran out. A holder renews its lease every third of <see cref="Term"/> until it is disposed; one
/// that was killed stops renewing, so the others wait at most a term for it. A renewal that finds the
/// lease no longer its own marks it lost, and <see cref="DbLease.ConfirmAsync"/> says so before a write.
/// </para>
/// </summary>
public sealed class DbLeases(IDbContextFactory<AppDb> dbFactory, TimeProvider time)
{
    static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a lease outlives its holder's last renewal.</summary>
    public static readonly TimeSpan Term = TimeSpan.FromSeconds(15);

    internal TimeProvider Time => time;

    /// <summary>Waits until the lease on <paramref name="key"/> is this caller's (or <paramref name="ct"/> ends the wait); held until disposed.</summary>
    public async Task<DbLease> AcquireAsync(string key, CancellationToken ct)
    {
        var owner = Guid.NewGuid().ToString("N");
        var pause = TimeSpan.FromMilliseconds(10);
        while (!await TryAcquireAsync(key, owner, ct))
        {
            await Task.Delay(pause, time, ct);
            pause = pause * 2 < MaxPause ? pause * 2 : MaxPause;
        }

        return new DbLease(this, key, owner);
    }

    /// <summary>The statements of one provider, each computing "now" on the database's own clock (Unix milliseconds).</summary>
    sealed record LeaseSql(string TakeOver, string Insert, string Extend)
    {
        public static LeaseSql For(string now) => new(
            "UPDATE \"Leases\" SET \"Owner\" = {0}, \"ExpiresAtMs\" = " + now + " + {1} WHERE \"Key\" = {2} AND \"ExpiresAtMs\" < " + now,
            "INSERT INTO \"Leases\" (\"Key\", \"Owner\", \"ExpiresAtMs\") VALUES ({0}, {1}, " + now + " + {2}) ON CONFLICT (\"Key\") DO NOTHING",
            "UPDATE \"Leases\" SET \"ExpiresAtMs\" = " + now + " + {0} WHERE \"Key\" = {1} AND \"Owner\" = {2}");
    }

    static readonly LeaseSql Postgres = LeaseSql.For("CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)");
    static readonly LeaseSql Sqlite = LeaseSql.For("CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)");

    static LeaseSql SqlOf(AppDb db) => db.Database.IsNpgsql() ? Postgres : Sqlite;

    static long TermMs => (long)Term.TotalMilliseconds;

    async Task<bool> TryAcquireAsync(string key, string owner, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var sql = SqlOf(db);
        // Take over a lease that has run out, or insert a new one: both single statements, atomic in SQLite and PostgreSQL.
        if (await db.Database.ExecuteSqlRawAsync(sql.TakeOver, [owner, TermMs, key], ct) == 1)
        {
            return true;
        }

        return await db.Database.ExecuteSqlRawAsync(sql.Insert, [key, owner, TermMs], ct) == 1;
    }

    /// <summary>Another term from now, on the database's clock; false when the lease is no longer this owner's.</summary>
    internal async Task<bool> ExtendAsync(string key, string owner, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Database.ExecuteSqlRawAsync(SqlOf(db).Extend, [TermMs, key, owner], ct) == 1;
    }

    internal async Task ReleaseAsync(string key, string owner)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.Leases.Where(l => l.Key == key && l.Owner == owner).ExecuteDeleteAsync(CancellationToken.None);
    }
}

/// <summary>One held lease: renewed until disposed, and lost if another instance took it over meanwhile.</summary>
public sealed class DbLease : IAsyncDisposable
{
    readonly DbLeases _leases;
    readonly string _key;
    readonly string _owner;
    readonly CancellationTokenSource _released = new();
    readonly Task _renewing;
    int _disposed;
    volatile bool _lost;

    internal DbLease(DbLeases leases, string key, string owner)
    {
        (_leases, _key, _owner) = (leases, key, owner);
        _renewing = RenewAsync();
    }

    /// <summary>A renewal found the lease taken over.</summary>
    public bool Lost => _lost;

    /// <summary>
    /// Renews the lease now and throws <see cref="LeaseLostException"/> when it is no longer this holder's: called
    /// right before a write it guards, which then has a whole <see cref="DbLeases.Term"/> to start.
    /// </summary>
    public async Task ConfirmAsync(CancellationToken ct)
    {
        if (_lost || !await _leases.ExtendAsync(_key, _owner, ct))
        {
            _lost = true;
            throw new LeaseLostException(_key);
        }
    }

    async Task RenewAsync()
    {
        using var every = new PeriodicTimer(DbLeases.Term / 3, _leases.Time);
        try
        {
            while (await every.WaitForNextTickAsync(_released.Token))
            {
                try
                {
                    if (!await _leases.ExtendAsync(_key, _owner, _released.Token))
                    {
                        _lost = true;
                        return;
                    }
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
