namespace PortalEmulator;

public static class EmulatorProgram
{
    public static async Task Main(string[] args)
    {
        var app = EmulatorApp.Create(args);
        await app.StartAsync();
        app.Logger.LogInformation("Portal emulator listening on {Urls}; create a portal with POST /_emulator/portals", string.Join(", ", app.Urls));
        await app.WaitForShutdownAsync();
    }
}
