using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using TestSupport;

namespace Benchmarks;

/// <summary>
/// The app's own overhead at a steady pace, and how soon a just-started instance reaches it: list pages
/// at 100 a second (open loop: a slow answer does not slow the arrivals) from 30 users of 10 portals,
/// with the portals answering at once and no limit.
/// </summary>
public static partial class LoadRun
{
    /// <summary>How long the paced run keeps loading pages between its two windows.</summary>
    const int WarmUpSeconds = 40;

    sealed record PaceWindow(List<double> Total, List<double> Own, double AppCpu, double OwnCpu, double PerSecond);

    /// <summary>Paced list pages against one app instance.</summary>
    sealed class Pacer(AppProcess app, List<SimulatedUser> users, int perSecond)
    {
        public static async Task<Pacer> StartAsync(EmulatorControl control, AppProcess app, int perSecond)
        {
            var portals = await InstallAsync(control, 10, [app], limited: false);
            var users = portals.SelectMany(p => Enumerable.Range(1, 3).Select(u => new SimulatedUser(control, p, u, app.Url))).ToList();
            await EachAsync(users, u => u.OpenAsync());
            return new Pacer(app, users, perSecond);
        }

        public int Refusals => users.Sum(u => u.Refusals);

        public async Task<List<(double Total, double Own)>> RunAsync(int loads)
        {
            var latencies = new ConcurrentQueue<(double Total, double Own)>();
            var clock = Stopwatch.StartNew();
            var running = new List<Task>(loads);
            for (var i = 0; i < loads; i++)
            {
                var due = TimeSpan.FromSeconds(i / (double)perSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }

                var user = users[i % users.Count];
                running.Add(Task.Run(async () => latencies.Enqueue(await user.TimeListPageAsync())));
            }

            await Task.WhenAll(running);
            return [.. latencies];
        }

        public async Task<PaceWindow> MeasureAsync(int seconds)
        {
            var appBefore = app.CpuTime;
            var ownBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var latencies = await RunAsync(perSecond * seconds);
            var elapsed = watch.Elapsed.TotalSeconds;
            return new PaceWindow(latencies.Select(l => l.Total).Order().ToList(), latencies.Select(l => l.Own).Order().ToList(),
                (app.CpuTime - appBefore).TotalSeconds / elapsed, (Process.GetCurrentProcess().TotalProcessorTime - ownBefore).TotalSeconds / elapsed, latencies.Count / elapsed);
        }
    }

    static Dictionary<string, string?> PaceSettings(EmulatorControl control)
    {
        var settings = Settings(control, Path.Combine(Path.GetTempPath(), $"b24-load-{Guid.NewGuid():N}.db"));
        settings["Bitrix24:RateLimit:BurstLimit"] = "100000";
        settings["Bitrix24:RateLimit:RequestsPerSecond"] = "100000";
        return settings;
    }

    static string Ms(List<double> sorted, double q) => Quantile(sorted, q).ToString("F1", CultureInfo.InvariantCulture) + " ms";

    /// <summary>A just-started instance against one that has run a while, both from the published output.</summary>
    public static async Task PaceAsync(EmulatorControl control, int perSecond = 100, int seconds = 20)
    {
        await using var app = await AppProcess.StartAsync(PaceSettings(control), folder: Published.Folder);
        var pacer = await Pacer.StartAsync(control, app, perSecond);
        var fresh = await pacer.MeasureAsync(seconds);
        await pacer.RunAsync(perSecond * WarmUpSeconds);
        var warm = await pacer.MeasureAsync(seconds);
        Console.WriteLine($"## The app's own overhead: list pages at {perSecond} a second for {seconds} s, portals answering at once ({Published.Description})");
        Console.WriteLine("| instance | page loads | per second | p50 | p95 | p99 | own p50 | own p95 | own p99 | app CPU (of 2 cores) | emulator and users CPU |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, w) in new[] { ("just started", fresh), ($"warm (after {WarmUpSeconds} s more)", warm) })
        {
            Console.WriteLine($"| {name} | {w.Total.Count:N0} | {w.PerSecond:F0} | {Ms(w.Total, 0.5)} | {Ms(w.Total, 0.95)} | {Ms(w.Total, 0.99)} | {Ms(w.Own, 0.5)} | {Ms(w.Own, 0.95)} | {Ms(w.Own, 0.99)} | {w.AppCpu:F2} | {w.OwnCpu:F2} |");
        }

        Console.WriteLine($"Start-up (process start to /healthz 200): {app.StartupTime.TotalMilliseconds:F0} ms. App peak memory {Mb(app.PeakBytes)}; errors {pacer.Refusals}. Each list page makes 3 requests to the emulator, which runs in the benchmark's process;");
        Console.WriteLine("\"own\" is the page's time less the time the app waited for them (its Server-Timing header).");
        Compare("paced list pages, just started", "own p99 ms", Quantile(fresh.Own, 0.99), RecordedPace.FreshP99, higherIsBetter: false);
        Compare("paced list pages, warm", "own p99 ms", Quantile(warm.Own, 0.99), RecordedPace.P99, higherIsBetter: false);
        Compare("paced list pages, warm", "app CPU cores", warm.AppCpu, RecordedPace.Cpu, higherIsBetter: false);
    }

    /// <summary>
    /// How soon a just-started instance serves at the warm target, for each way .NET offers: the plain
    /// build, ReadyToRun, and tiered-compilation settings, side by side in one run: start-up time, then the
    /// app's own p99 in each 10 s of its first 30 s of serving.
    /// </summary>
    public static async Task StartupAsync(EmulatorControl control, int perSecond = 100)
    {
        var build = Path.Combine(AppInstances.RepositoryRoot, "src", "B24CallListApp", "bin", "Release", "net10.0");
        var variants = new (string Name, string Folder, Dictionary<string, string> Runtime)[]
        {
            ("build output, TieredPGO on, no warm-up", build, new() { ["DOTNET_TieredPGO"] = "1", ["App__WarmUp"] = "false" }),
            ("ReadyToRun, TieredPGO on, no warm-up", Published.Folder, new() { ["DOTNET_TieredPGO"] = "1", ["App__WarmUp"] = "false" }),
            ("ReadyToRun, TieredCompilation off, no warm-up", Published.Folder, new() { ["DOTNET_TieredCompilation"] = "0", ["App__WarmUp"] = "false" }),
            ("ReadyToRun, TieredPGO off, no warm-up", Published.Folder, new() { ["DOTNET_TieredPGO"] = "0", ["App__WarmUp"] = "false" }),
            ("ReadyToRun, TieredPGO off, warm-up (as published)", Published.Folder, new()),
        };
        Console.WriteLine($"## A just-started instance: list pages at {perSecond} a second from its first second of serving (the app's own time)");
        Console.WriteLine("| build | start-up | own p99, 0–10 s | own p99, 10–20 s | own p99, 20–30 s | own p50, 0–10 s | app CPU, 0–10 s | errors |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, folder, runtime) in variants)
        {
            await using var app = await AppProcess.StartAsync(PaceSettings(control), folder: folder, runtime: runtime);
            var pacer = await Pacer.StartAsync(control, app, perSecond);
            var windows = new List<PaceWindow>();
            for (var i = 0; i < 3; i++)
            {
                windows.Add(await pacer.MeasureAsync(10));
            }

            Console.WriteLine($"| {name} | {app.StartupTime.TotalMilliseconds:F0} ms | {string.Join(" | ", windows.Select(w => Ms(w.Own, 0.99)))} | {Ms(windows[0].Own, 0.5)} | {windows[0].AppCpu:F2} | {pacer.Refusals} |");
        }

        Console.WriteLine();
    }
}

/// <summary>The app as the README tells operators to publish it, built once per benchmark run.</summary>
static class Published
{
    static readonly Lazy<string> Output = new(Publish);

    public const string Description = "ReadyToRun publish";

    public static string Folder => Output.Value;

    static string Publish()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"b24-published-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet", ["publish", Path.Combine(AppInstances.RepositoryRoot, "src", "B24CallListApp"), "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet publish failed:\n" + output.Result + errors.Result);
        }

        return folder;
    }
}
