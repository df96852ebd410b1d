using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TestSupport;

/// <summary>
/// A PostgreSQL server of the test run's own: a temporary data directory, a free loopback port,
/// started from Debian's packages (as the postgres user when the tests run as root, since
/// PostgreSQL refuses root) and stopped when the run ends. Each fixture takes a database of its own.
/// </summary>
public sealed class PostgresServer
{
    static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    readonly string _bin;
    readonly string _data;

    PostgresServer(string bin, string data, int port) => (_bin, _data, Port) = (bin, data, port);

    public int Port { get; }

    /// <summary>The run's server; a clear failure, never a skip, where PostgreSQL is not installed.</summary>
    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>A server of the caller's own, one it may restart without disturbing other tests; stopped when the run ends.</summary>
    public static Task<PostgresServer> StartNewAsync() => StartAsync();

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=5";

    public async Task<string> CreateDatabaseAsync()
    {
        var name = "b24_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>
    /// Stops the server at once, as a crash would, and starts it again on the same data. Committed work
    /// survives: every commit's WAL reached the operating system before the commit answered.
    /// </summary>
    public async Task RestartAsync()
    {
        await Processes.RunAsync(Processes.AsPostgres(Path.Combine(_bin, "pg_ctl"), "-D", _data, "-m", "immediate", "-w", "stop"));
        await StartServerAsync(_bin, _data, Port);
    }

    static async Task<PostgresServer> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("These tests need PostgreSQL, which is not installed: `apt-get install postgresql` (./test.sh and .ci/run do it).");
        }

        var data = Directory.CreateTempSubdirectory("b24-postgres-").FullName;
        if (Processes.IsRoot)
        {
            await Processes.RunAsync("chown", "postgres", data);
        }

        await Processes.RunAsync(Processes.AsPostgres(Path.Combine(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"));
        var port = Processes.FreePort();
        await StartServerAsync(bin, data, port);
        var server = new PostgresServer(bin, data, port);
        // The test host may be killed (or end without its exit handlers): the server goes with it all the same.
        Processes.WhenThisProcessEnds(Processes.AsPostgres(Path.Combine(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"), ("rm", ["-rf", data]));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Processes.RunAsync(Processes.AsPostgres(Path.Combine(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop")).Wait(TimeSpan.FromSeconds(10));
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return server;
    }

    static Task StartServerAsync(string bin, string data, int port) =>
        Processes.RunAsync(Processes.AsPostgres(Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(data, "server.log"), "-w", "-o",
            $"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300", "start"));
}

/// <summary>A Redis server of the test run's own, from Debian's packages, on a free loopback port; it can be stopped and started again.</summary>
public sealed class RedisServer
{
    static readonly Lazy<Task<RedisServer>> Shared = new(StartSharedAsync);

    readonly string _binary;
    Process? _process;

    RedisServer(string binary, int port) => (_binary, Port) = (binary, port);

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";

    public static Task<RedisServer> GetAsync() => Shared.Value;

    /// <summary>A server of the test's own (one it may stop).</summary>
    public static async Task<RedisServer> StartNewAsync()
    {
        var server = new RedisServer(Binary(), Processes.FreePort());
        await server.StartAsync();
        return server;
    }

    static async Task<RedisServer> StartSharedAsync() => await StartNewAsync();

    static string Binary() =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("These tests need Redis, which is not installed: `apt-get install redis-server` (./test.sh and .ci/run do it).");

    public async Task StartAsync()
    {
        _process = Process.Start(new ProcessStartInfo(_binary, ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        Processes.WhenThisProcessEnds(("kill", [_process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("redis-server did not start");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }
}

public static class Processes
{
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>PostgreSQL refuses to run as root: as root, its programs run as the postgres user.</summary>
    public static (string File, string[] Arguments) AsPostgres(string file, params string[] arguments) =>
        IsRoot ? ("runuser", ["-u", "postgres", "--", file, .. arguments]) : (file, arguments);

    public static Task RunAsync(string file, params string[] arguments) => RunAsync((file, arguments));

    public static async Task RunAsync((string File, string[] Arguments) command)
    {
        using var process = Process.Start(new ProcessStartInfo(command.File, command.Arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command.File} {string.Join(' ', command.Arguments)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    /// <summary>
    /// Runs the commands once this process has ended, however it ends (a test host killed by the runner never
    /// reaches its exit handlers): a detached shell watches this process and runs them a second after it is gone.
    /// </summary>
    public static void WhenThisProcessEnds(params (string File, string[] Arguments)[] commands)
    {
        static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var then = string.Join("; ", commands.Select(c => string.Join(' ', new[] { c.File }.Concat(c.Arguments).Select(Quote))));
        var script = $"exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId}; do sleep 1; done; {then}";
        using var watcher = Process.Start(new ProcessStartInfo("setsid", ["sh", "-c", script]) { UseShellExecute = false });
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
