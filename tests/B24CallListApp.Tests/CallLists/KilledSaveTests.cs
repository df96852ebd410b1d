using B24CallListApp.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.CallLists;

/// <summary>
/// An instance killed (SIGKILL) in the middle of a save, holding its list's lease, while another
/// instance on the same PostgreSQL database saves the same list: the other waits at most a lease term,
/// and the two never interleave their read-and-replace.
/// </summary>
public sealed class KilledSaveTests(PostgresAppFixture app) : IClassFixture<PostgresAppFixture>
{
    static readonly int[] ListOne = Enumerable.Range(1, 24).ToArray();

    [Fact]
    public async Task A_holder_killed_mid_save_is_taken_over_within_a_term_and_nothing_interleaves()
    {
        var portal = await app.InstalledPortalAsync();
        await using var doomed = await AppProcess.StartAsync(app.InstanceSettings(), "Testing");
        var dying = await WorkspaceClient.OpenAsync(app, portal, 1, appUrl: doomed.Url);
        var picker = await dying.PostAsync("lists/1/add");
        // The doomed instance's save stalls in its read (the portal hangs), holding the lease when it is killed.
        await app.Control.FaultAsync(portal, new(Method: "batch", Count: 1, Mode: "hang", DelayMs: 60_000));
        var stalled = dying.PostAsync("lists/1/add?handler=addselected", [new("__form", picker.FormTokenFor("add:1")!), new("selected", "30")]);
        var key = $"calllist:{portal.MemberId}:1";
        await using (var db = await app.Factory.Services.GetRequiredService<IDbContextFactory<AppDb>>().CreateDbContextAsync())
        {
            for (var i = 0; i < 200 && !await db.Leases.AnyAsync(l => l.Key == key); i++)
            {
                await Task.Delay(25);
            }

            Assert.True(await db.Leases.AnyAsync(l => l.Key == key), "the doomed instance never took the save lease");
        }

        await doomed.KillAsync();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => stalled);

        // The surviving instance saves the same list: it waits for the dead holder's lease to run out, no longer.
        var survivor = await WorkspaceClient.OpenAsync(app, portal, 1);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var page = await survivor.AddSelectedAsync(1, [33]);
        waited.Stop();

        Assert.Equal(200, page.Status);
        Assert.True(waited.Elapsed < DbLeases.Term + TimeSpan.FromSeconds(5), $"the survivor waited {waited.Elapsed} for the dead holder");
        // One update in all, the survivor's: the dead instance's read never turned into a write.
        var update = Assert.Single(await survivor.UpdatesAsync());
        Assert.Equal([.. ListOne, 33], WorkspaceClient.Entities(update));
        Assert.Equal([.. ListOne, 33], await survivor.ParticipantsAsync(1));
    }
}
