using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// Keeps each portal under its own Bitrix24 limits: its token bucket (<see cref="IPortalBuckets"/>),
/// a pause that grows while the portal answers QUERY_LIMIT_EXCEEDED, and methods blocked by
/// OPERATION_TIME_LIMIT until their operating_reset_at.
/// </summary>
public sealed class PortalRateLimiter(IPortalBuckets buckets, IOptions<Bitrix24Options> options, TimeProvider time, ILogger<PortalRateLimiter> logger)
{
    readonly ConcurrentDictionary<string, PortalThrottle> _portals = new(StringComparer.Ordinal);

    public async ValueTask AcquireAsync(string portal, string method, CancellationToken ct)
    {
        var throttle = Throttle(portal);
        if (throttle.BlockedUntil(method) is { } resetAt && resetAt > time.GetUtcNow())
        {
            throw new Bitrix24OperationTimeLimitException(method, "Method is blocked due to operation time limit", resetAt);
        }

        var pause = throttle.PausedUntil - time.GetUtcNow();
        if (pause > TimeSpan.Zero)
        {
            await Task.Delay(pause, time, ct);
        }

        if (!await buckets.TakeAsync(portal, ct))
        {
            throw new Bitrix24RateLimitException(method, "Too many calls are waiting for this portal; try again shortly");
        }
    }

    /// <summary>The portal said QUERY_LIMIT_EXCEEDED: its bucket is fuller than ours thinks (other apps share it).</summary>
    public async ValueTask OnLimitExceededAsync(string portal)
    {
        var throttle = Throttle(portal);
        var strikes = Interlocked.Increment(ref throttle.Strikes);
        var backoff = TimeSpan.FromTicks(Math.Min(options.Value.RateLimit.Interval.Ticks * (1L << Math.Min(strikes, 16)), options.Value.RateLimit.MaxBackoff.Ticks));
        throttle.PausedUntil = time.GetUtcNow() + backoff;
        // Spend what our bucket has saved up, so the next burst does not hit the portal again.
        await buckets.DrainAsync(portal);

        logger.LogWarning("Portal {Portal} answered QUERY_LIMIT_EXCEEDED ({Strikes} in a row); pausing its calls for {Backoff}", portal, strikes, backoff);
    }

    public void OnSuccess(string portal)
    {
        if (_portals.TryGetValue(portal, out var throttle))
        {
            Interlocked.Exchange(ref throttle.Strikes, 0);
        }
    }

    /// <summary>Remembers how much operating time a method has used, from the answer's <c>time</c>.</summary>
    public void RecordOperating(string portal, string method, double operatingSeconds, DateTimeOffset? resetAt)
    {
        var throttle = Throttle(portal);
        if (resetAt is not null)
        {
            throttle.OperatingResetAt[method] = resetAt.Value;
        }

        if (operatingSeconds > 400)
        {
            logger.LogWarning("Portal {Portal}: {Method} used {Operating:F0} s of its 480 s operating time", portal, method, operatingSeconds);
        }
    }

    /// <summary>The method answered OPERATION_TIME_LIMIT: do not call it again before its reset.</summary>
    public DateTimeOffset OnOperatingLimit(string portal, string method)
    {
        var throttle = Throttle(portal);
        var resetAt = throttle.OperatingResetAt.TryGetValue(method, out var known) && known > time.GetUtcNow()
            ? known
            : time.GetUtcNow().AddMinutes(10);
        throttle.Blocked[method] = resetAt;
        return resetAt;
    }

    PortalThrottle Throttle(string portal) => _portals.GetOrAdd(portal, _ => new PortalThrottle());

    sealed class PortalThrottle
    {
        public int Strikes;
        public DateTimeOffset PausedUntil;
        public readonly ConcurrentDictionary<string, DateTimeOffset> OperatingResetAt = new(StringComparer.OrdinalIgnoreCase);
        public readonly ConcurrentDictionary<string, DateTimeOffset> Blocked = new(StringComparer.OrdinalIgnoreCase);

        public DateTimeOffset? BlockedUntil(string method) => Blocked.TryGetValue(method, out var until) ? until : null;
    }
}
