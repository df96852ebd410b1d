using Microsoft.Playwright;

namespace TestSupport;

/// <summary>
/// Debian's Chromium driven by Playwright (which cannot download browsers here), headless, with
/// third-party cookies blocked as browsers now do: apps in a portal's iframe must not need them.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--test-third-party-cookie-phaseout", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
}
