namespace PortalEmulator.Portals;

/// <summary>Bitrix24's per-portal leaky bucket: each request adds one, the bucket drains at a fixed rate.</summary>
public sealed class LeakyBucket(TimeProvider time, double drainPerSecond, double capacity)
{
    readonly Lock _sync = new();
    double _level;
    long _lastTicks = time.GetTimestamp();

    public double DrainPerSecond { get; private set; } = drainPerSecond;
    public double Capacity { get; private set; } = capacity;

    public void Configure(double drainPerSecond, double capacity)
    {
        lock (_sync)
        {
            DrainPerSecond = drainPerSecond;
            Capacity = capacity;
        }
    }

    public bool TryAdd()
    {
        lock (_sync)
        {
            var now = time.GetTimestamp();
            _level = Math.Max(0, _level - (time.GetElapsedTime(_lastTicks, now).TotalSeconds * DrainPerSecond));
            _lastTicks = now;
            if (_level + 1 > Capacity)
            {
                return false;
            }

            _level += 1;
            return true;
        }
    }
}

/// <summary>
/// Per-method execution time over a sliding window. Past the limit the method answers
/// 429 OPERATION_TIME_LIMIT until the oldest counted second leaves the window.
/// </summary>
public sealed class OperatingMeter(TimeProvider time, TimeSpan window, double limitSeconds)
{
    readonly Lock _sync = new();
    readonly Dictionary<string, List<(DateTimeOffset At, double Seconds)>> _byMethod = new(StringComparer.OrdinalIgnoreCase);

    public TimeSpan Window { get; } = window;
    public double LimitSeconds { get; set; } = limitSeconds;

    public void Add(string method, double seconds)
    {
        lock (_sync)
        {
            if (!_byMethod.TryGetValue(method, out var entries))
            {
                _byMethod[method] = entries = [];
            }

            entries.Add((time.GetUtcNow(), seconds));
        }
    }

    /// <summary>Seconds used in the window and when the oldest of them expires.</summary>
    public (double Used, DateTimeOffset ResetAt) Read(string method)
    {
        lock (_sync)
        {
            var now = time.GetUtcNow();
            if (!_byMethod.TryGetValue(method, out var entries))
            {
                return (0, now + Window);
            }

            entries.RemoveAll(e => e.At + Window <= now);
            return entries.Count == 0 ? (0, now + Window) : (entries.Sum(e => e.Seconds), entries[0].At + Window);
        }
    }
}

/// <summary>
/// How an injected fault answers. <c>CommitThenDrop</c> and <c>CommitThenHang</c> run the method first
/// (its change is made) and then lose the answer: the case a client must not mistake for a failure.
/// </summary>
public enum FaultMode { Error, Hang, Drop, CommitThenDrop, CommitThenHang }

public sealed class Fault
{
    public required string Method { get; init; }
    public int Remaining { get; set; }

    /// <summary>Matching calls that pass untouched before the fault starts.</summary>
    public int Skip { get; set; }
    public double Share { get; init; }
    public FaultMode Mode { get; init; }
    public int Status { get; init; }
    public string? Error { get; init; }
    public string? ErrorDescription { get; init; }
    public TimeSpan Delay { get; init; }

    /// <summary>Answer this text as it is (an HTML error page, an empty or broken body).</summary>
    public string? RawBody { get; init; }

    /// <summary>A Location header to send with the raw answer (a forged redirect, say).</summary>
    public string? Location { get; init; }
}

/// <summary>Faults injected through the control API: the next N calls, or a share of calls, of a method fail.</summary>
public sealed class FaultBook
{
    readonly Lock _sync = new();
    readonly List<Fault> _faults = [];
    readonly Random _random = new(7);

    public void Add(Fault fault)
    {
        lock (_sync)
        {
            _faults.Add(fault);
        }
    }

    public void Clear()
    {
        lock (_sync)
        {
            _faults.Clear();
        }
    }

    /// <summary>The next fault for a call of <paramref name="method"/>; <paramref name="inBatch"/> calls only take error answers, a batch hangs or drops as a whole.</summary>
    public Fault? Take(string method, bool inBatch = false)
    {
        lock (_sync)
        {
            foreach (var fault in _faults)
            {
                if ((fault.Method != "*" && !string.Equals(fault.Method, method, StringComparison.OrdinalIgnoreCase)) ||
                    (inBatch && (fault.Mode != FaultMode.Error || fault.Error is null)))
                {
                    continue;
                }

                if (fault.Skip > 0)
                {
                    fault.Skip--;
                    continue;
                }

                if (fault.Share > 0)
                {
                    if (_random.NextDouble() < fault.Share)
                    {
                        return fault;
                    }

                    continue;
                }

                if (fault.Remaining > 0)
                {
                    fault.Remaining--;
                    if (fault.Remaining == 0)
                    {
                        _faults.Remove(fault);
                    }

                    return fault;
                }
            }

            return null;
        }
    }
}
