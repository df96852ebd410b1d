using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// Each portal's token bucket: how many calls it may take at once and how fast it refills. It lives in
/// this instance (<see cref="LocalPortalBuckets"/>) or, when several instances leave through one
/// address and so share each portal's limit, in Redis (<see cref="RedisPortalBuckets"/>).
/// </summary>
public interface IPortalBuckets
{
    /// <summary>Waits for the portal's next free place; false when too many calls already wait for it.</summary>
    ValueTask<bool> TakeAsync(string portal, CancellationToken ct);

    /// <summary>Spends what the bucket has saved up: the portal said its own bucket is fuller than ours thought.</summary>
    ValueTask DrainAsync(string portal);
}

/// <summary>One token bucket per portal in this instance's memory, so one busy portal never delays another.</summary>
public sealed class LocalPortalBuckets(IOptions<Bitrix24Options> options) : IPortalBuckets, IDisposable
{
    readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new(StringComparer.Ordinal);

    public async ValueTask<bool> TakeAsync(string portal, CancellationToken ct)
    {
        using var lease = await Bucket(portal).AcquireAsync(1, ct);
        return lease.IsAcquired;
    }

    public ValueTask DrainAsync(string portal)
    {
        var bucket = Bucket(portal);
        var available = (int)bucket.GetStatistics()!.CurrentAvailablePermits;
        if (available > 0)
        {
            bucket.AttemptAcquire(available).Dispose();
        }

        return ValueTask.CompletedTask;
    }

    TokenBucketRateLimiter Bucket(string portal) => _buckets.GetOrAdd(portal, _ =>
    {
        var limits = options.Value.RateLimit;
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.AppBurst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = limits.Interval,
            QueueLimit = limits.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    });

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }
}
