using System.Diagnostics;
using System.Globalization;

namespace TestSupport;

/// <summary>
/// The app as an operating-system process of its own (the build beside the caller's, same configuration):
/// its CPU time and memory are measured apart from the emulator and the simulated users, and it can be
/// killed as a crashed server is.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringWriter _output = new();
    int _disposed;

    AppProcess(Process process, Uri url) => (_process, Url) = (process, url);

    public Uri Url { get; }

    /// <summary>How long the process took from its start to its first healthy <c>/healthz</c>.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <param name="folder">The app's files: by default the build beside the caller's; a published output, say.</param>
    /// <param name="runtime">Environment variables for the .NET runtime (DOTNET_TieredPGO=0, say).</param>
    public static async Task<AppProcess> StartAsync(IDictionary<string, string?> settings, string environment = "Production", string? folder = null, IDictionary<string, string>? runtime = null)
    {
        // tests/<project>/bin/<Configuration>/net10.0/ → src/B24CallListApp/bin/<Configuration>/net10.0/
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        folder ??= Path.Combine(AppInstances.RepositoryRoot, "src", "B24CallListApp", "bin", configuration, "net10.0");
        var port = Processes.FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(folder, "B24CallListApp.dll")])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        foreach (var (key, value) in runtime ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var started = Stopwatch.StartNew();
        var process = Process.Start(start)!;
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => app.Log(e.Data);
        process.ErrorDataReceived += (_, e) => app.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 1500; attempt++)
        {
            if (process.HasExited)
            {
                break;
            }

            try
            {
                if ((await http.GetAsync(new Uri(app.Url, "healthz"))).IsSuccessStatusCode)
                {
                    app.StartupTime = started.Elapsed;
                    return app;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(20);
        }

        await app.DisposeAsync();
        throw new InvalidOperationException("The app did not start:\n" + app.Output);
    }

    void Log(string? line)
    {
        lock (_output)
        {
            _output.WriteLine(line);
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>User plus system CPU time the process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the command name in parentheses.
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
    }

    /// <summary>The most resident memory the process has had (VmHWM).</summary>
    public long PeakBytes => Status("VmHWM:");

    public long ResidentBytes => Status("VmRSS:");

    long Status(string field) =>
        long.Parse(File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal))[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;

    /// <summary>Ends the process at once, as a crash or <c>kill -9</c> does: nothing is flushed, nothing finishes.</summary>
    public ValueTask KillAsync() => DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
