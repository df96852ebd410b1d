using B24CallListApp.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.CallLists;

/// <summary>A save holds its list's lease in the database; one that lost it sends nothing.</summary>
public sealed class SaveLeaseTests(AppFixture app) : IClassFixture<AppFixture>
{
    static readonly int[] ListOne = Enumerable.Range(1, 24).ToArray();

    [Fact]
    public async Task A_save_whose_lease_was_taken_over_mid_read_sends_nothing_and_says_so()
    {
        var portal = await app.InstalledPortalAsync();
        var admin = await WorkspaceClient.OpenAsync(app, portal, 1);
        var picker = await admin.PostAsync("lists/1/add");
        // The save's read hangs for three seconds: meanwhile its holder stalls past the term and another instance takes over.
        await app.Control.FaultAsync(portal, new(Method: "batch", Count: 1, Mode: "hang", DelayMs: 3000));

        var save = admin.PostAsync("lists/1/add?handler=addselected", [new("__form", picker.FormTokenFor("add:1")!), new("selected", "30")]);
        var key = $"calllist:{portal.MemberId}:1";
        await using (var db = await app.Factory.Services.GetRequiredService<IDbContextFactory<AppDb>>().CreateDbContextAsync())
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (!await db.Leases.AnyAsync(l => l.Key == key) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.Equal(1, await db.Leases.Where(l => l.Key == key).ExecuteUpdateAsync(s => s.SetProperty(l => l.Owner, "another-instance")));
        }

        var page = await save;

        Assert.Equal(503, page.Status);
        Assert.Contains("did not save the change. Try again.", page.AlertText, StringComparison.Ordinal);
        Assert.Empty(await admin.UpdatesAsync());
        Assert.Equal(ListOne, await admin.ParticipantsAsync(1));
    }

    [Fact]
    public async Task A_lease_is_renewed_until_its_holder_lets_it_go_and_expires_on_the_databases_clock()
    {
        var leases = app.Factory.Services.GetRequiredService<DbLeases>();
        var factory = app.Factory.Services.GetRequiredService<IDbContextFactory<AppDb>>();
        var key = "test:" + Guid.NewGuid().ToString("N");

        await using (var lease = await leases.AcquireAsync(key, default))
        {
            await using var db = await factory.CreateDbContextAsync();
            var first = (await db.Leases.AsNoTracking().SingleAsync(l => l.Key == key)).ExpiresAtMs;
            var databaseNow = await db.Database.SqlQueryRaw<long>("SELECT CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) AS \"Value\"").SingleAsync();
            Assert.InRange(first - databaseNow, DbLeases.Term.TotalMilliseconds - 2000, DbLeases.Term.TotalMilliseconds + 100);

            await lease.ConfirmAsync(default);
            Assert.True((await db.Leases.AsNoTracking().SingleAsync(l => l.Key == key)).ExpiresAtMs >= first);

            // Taken over: the holder learns it before its next write.
            await db.Leases.Where(l => l.Key == key).ExecuteUpdateAsync(s => s.SetProperty(l => l.Owner, "another-instance"));
            await Assert.ThrowsAsync<LeaseLostException>(() => lease.ConfirmAsync(default));
            Assert.True(lease.Lost);
        }

        // A lease taken over is not released by the holder that lost it.
        await using (var db = await factory.CreateDbContextAsync())
        {
            Assert.Equal("another-instance", (await db.Leases.AsNoTracking().SingleAsync(l => l.Key == key)).Owner);
        }

        // A lease that ran out (on the database's clock) is taken; a live one is waited for until the caller gives up.
        await using (var db = await factory.CreateDbContextAsync())
        {
            await db.Leases.Where(l => l.Key == key).ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAtMs, 0L));
        }

        await using (await leases.AcquireAsync(key, default))
        {
            using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leases.AcquireAsync(key, giveUp.Token));
        }
    }
}
