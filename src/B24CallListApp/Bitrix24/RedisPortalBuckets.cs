using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace B24CallListApp.Bitrix24;

/// <summary>The Redis that app instances share each portal's bucket through (section <c>Redis</c>).</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string; empty: each instance limits its own calls.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of this app's keys, so that one Redis can serve other apps too.</summary>
    public string KeyPrefix { get; set; } = "b24calllist:";
}

/// <summary>
/// Each portal's token bucket in Redis, shared by every app instance that leaves through the same
/// address (Bitrix24 counts its limit per portal and source address).
/// <para>
/// A script of our own rather than the RedisRateLimiting package: its token bucket answers "no" at
/// once and leaves the caller to poll, while a call to a busy portal should wait its turn, and wait
/// no longer than its turn. The script reserves the caller's place in one round trip and says how
/// long to wait (GCRA: the bucket is the moment it would be full again, on Redis's own clock so that
/// instances' clocks do not matter).
/// </para>
/// <para>
/// While Redis cannot be reached, each instance falls back to its own bucket (<see cref="LocalPortalBuckets"/>):
/// calls keep flowing, at worst a little over the portal's limit, which its QUERY_LIMIT_EXCEEDED
/// answers and our back-off absorb. The health check says so.
/// </para>
/// </summary>
public sealed class RedisPortalBuckets : IPortalBuckets, IAsyncDisposable
{
    // KEYS[1]: the portal's bucket, held as the moment (µs) at which it would be full again.
    // ARGV: µs per request, burst, the most requests that may wait, and "take", "drain" or "release"
    // (a caller gave up the place it took: the bucket gets one interval back, never below empty).
    // Returns µs to wait before sending, or -1 when too many already wait.
    const string Script = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local full_at = tonumber(redis.call('GET', KEYS[1]) or '0')
        if full_at < now then full_at = now end
        local wait = 0
        if ARGV[4] == 'drain' then
          full_at = math.max(full_at, now + burst * interval)
        elseif ARGV[4] == 'release' then
          full_at = math.max(now, full_at - interval)
        else
          full_at = full_at + interval
          wait = full_at - now - burst * interval
          if wait > tonumber(ARGV[3]) * interval then return -1 end
          if wait < 0 then wait = 0 end
        end
        redis.call('SET', KEYS[1], string.format('%.0f', full_at), 'PX', math.floor((full_at - now) / 1000) + 1000)
        return wait
        """;

    readonly LocalPortalBuckets _fallback;
    readonly IOptions<Bitrix24Options> _options;
    readonly TimeProvider _time;
    readonly ILogger<RedisPortalBuckets> _logger;
    readonly string _prefix;
    readonly Task<ConnectionMultiplexer> _connection;
    int _fallingBack;

    public RedisPortalBuckets(IOptions<RedisOptions> redis, LocalPortalBuckets fallback, IOptions<Bitrix24Options> options, TimeProvider time, ILogger<RedisPortalBuckets> logger)
    {
        (_fallback, _options, _time, _logger, _prefix) = (fallback, options, time, logger, redis.Value.KeyPrefix + "bucket:");
        var configuration = ConfigurationOptions.Parse(redis.Value.Configuration!);
        // The app starts and serves without Redis; while it is away, calls fail at once (to the fallback) instead of queueing.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _connection = ConnectionMultiplexer.ConnectAsync(configuration);
    }

    /// <summary>The connection, once made (for tracing its commands).</summary>
    public Task<ConnectionMultiplexer> Connection => _connection;

    /// <summary>Asks Redis itself, for the health check.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken ct) => await (await _connection.WaitAsync(ct)).GetDatabase().PingAsync();

    public async ValueTask<bool> TakeAsync(string portal, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var wait = await RunAsync(portal, "take");
            if (wait is null)
            {
                return await _fallback.TakeAsync(portal, ct);
            }

            if (wait < 0)
            {
                return false;
            }

            if (wait == 0)
            {
                return true;
            }

            var delay = TimeSpan.FromMicroseconds(wait.Value);
            var started = _time.GetTimestamp();
            try
            {
                await Task.Delay(delay, _time, ct);
            }
            catch (OperationCanceledException)
            {
                // A caller that gives up (the user left the page) hands its place back, so those behind it wait no longer for it.
                await RunAsync(portal, "release");
                throw;
            }

            // A place is a moment. This process woke well past it (a pause, a starved thread pool): so did every caller
            // whose place fell in the pause, and sent now they would reach the portal together, over its bucket. It
            // hands the stale place back and queues again, up to twice; the portal's QUERY_LIMIT_EXCEEDED covers the rest.
            var late = _time.GetElapsedTime(started) - delay;
            if (late <= _options.Value.RateLimit.ArrivalJitter / 2 || attempt == 3)
            {
                return true;
            }

            await RunAsync(portal, "release");
        }
    }

    public async ValueTask DrainAsync(string portal)
    {
        if (await RunAsync(portal, "drain") is null)
        {
            await _fallback.DrainAsync(portal);
        }
    }

    /// <summary>The script's answer, or null while Redis cannot be reached.</summary>
    async Task<long?> RunAsync(string portal, string action)
    {
        var limits = _options.Value.RateLimit;
        try
        {
            // The first calls after start wait for the first connection attempt (at most its connectTimeout):
            // instances that each spent their own burst meanwhile would together overrun the portal.
            var connection = await _connection;
            if (!connection.IsConnected)
            {
                FallBack(null);
                return null;
            }

            var answer = await connection.GetDatabase().ScriptEvaluateAsync(Script, [_prefix + portal],
                [(long)limits.Interval.TotalMicroseconds, limits.AppBurst, limits.QueueLimit, action]);
            if (Interlocked.Exchange(ref _fallingBack, 0) == 1)
            {
                _logger.LogWarning("Redis answers again: portals' rate limits are shared by every instance again");
            }

            return (long)answer;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            FallBack(e);
            return null;
        }
    }

    void FallBack(Exception? error)
    {
        if (Interlocked.Exchange(ref _fallingBack, 1) == 0)
        {
            _logger.LogWarning(error, "Redis cannot be reached: this instance limits its calls to each portal on its own until it answers again");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsCompletedSuccessfully)
        {
            await _connection.Result.DisposeAsync();
        }
    }
}

/// <summary>
/// <c>/healthz</c>: Degraded (still 200: the app serves) while Redis does not answer, since each
/// instance then keeps only its own share of every portal's limit.
/// </summary>
public sealed class SharedRateLimitHealthCheck(RedisPortalBuckets buckets) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var latency = await buckets.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy(FormattableString.Invariant($"Redis answers in {latency.TotalMilliseconds:F1} ms: portals' rate limits are shared by every instance."));
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded("Redis does not answer: each instance limits its calls to portals on its own, so together they may exceed a portal's limit.", e);
        }
    }
}
