using System.Diagnostics;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// How long the work in hand (a page, an API call) waited for portals: the wall time during which at
/// least one Bitrix24 request was on the wire, so calls sent side by side count once. What is left of
/// the work's time is the app's own.
/// </summary>
public sealed class PortalTime
{
    static readonly AsyncLocal<PortalTime?> Current = new();

    readonly Lock _lock = new();
    long _startedAt;
    int _inFlight;
    long _waited;

    public int Calls { get; private set; }

    public TimeSpan Waited
    {
        get
        {
            lock (_lock)
            {
                return Stopwatch.GetElapsedTime(0, _waited + (_inFlight > 0 ? Stopwatch.GetTimestamp() - _startedAt : 0));
            }
        }
    }

    /// <summary>Starts measuring the work that flows from here (its awaits and the tasks it starts).</summary>
    public static PortalTime Start() => Current.Value = new PortalTime();

    /// <summary>One request on the wire to a portal, for the work in hand if it is being measured.</summary>
    internal static Request Send() => new(Current.Value);

    internal readonly struct Request : IDisposable
    {
        readonly PortalTime? _meter;

        public Request(PortalTime? meter)
        {
            _meter = meter;
            if (meter is not null)
            {
                lock (meter._lock)
                {
                    meter.Calls++;
                    if (meter._inFlight++ == 0)
                    {
                        meter._startedAt = Stopwatch.GetTimestamp();
                    }
                }
            }
        }

        public void Dispose()
        {
            if (_meter is { } meter)
            {
                lock (meter._lock)
                {
                    if (--meter._inFlight == 0)
                    {
                        meter._waited += Stopwatch.GetTimestamp() - meter._startedAt;
                    }
                }
            }
        }
    }
}
