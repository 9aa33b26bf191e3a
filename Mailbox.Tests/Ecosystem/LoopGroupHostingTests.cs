using Mailbox.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Mailbox.Tests.Ecosystem;

/// <summary><c>AddLoopGroup</c> and <c>AddGroupedLoopActor</c>: a group that starts and drains with the host, and loops that run on it.</summary>
public sealed class LoopGroupHostingTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task AddLoopGroup_RealHost_StartsWithTheHostAndDrainsItsLoopsWorkInFlightOnStop()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLoopGroup("rooms", o => o with { ThreadCount = 2 });
        builder.Services.AddGroupedLoopActor("lobby", "rooms");
        builder.Services.AddGroupedLoopActor("kitchen", "rooms", o => o with { MailboxCapacity = 100 });
        using var host = builder.Build();
        await host.StartAsync();

        var group = host.Services.GetRequiredKeyedService<LoopGroup>("rooms");
        var lobby = host.Services.GetRequiredKeyedService<LoopActor>("lobby");
        var kitchen = host.Services.GetRequiredKeyedService<LoopActor>("kitchen");
        Assert.Same(group, host.Services.GetRequiredKeyedService<LoopGroup>("rooms"));
        Assert.Equal(("rooms", 2), (group.Name, group.ThreadCount));
        Assert.Equal(("lobby", "kitchen"), (lobby.Name, kitchen.Name));
        Assert.Equal(2, group.LoopCount);

        // Work in flight: a held callback on the loop the host stops first (the last registered) and queued messages
        // on both loops. Whether or not they share a thread, everything accepted runs once the gate opens.
        using var gate = new Gate();
        int kitchenRan = 0, lobbyRan = 0;
        kitchen.Post(gate.Hold);
        await gate.EnteredAsync();
        for (int i = 0; i < 50; i++)
        {
            kitchen.Post(() => kitchenRan++);
            lobby.Post(() => lobbyRan++);
        }

        var stopping = host.StopAsync();
        await AwaitAssertAsync(() => Assert.Equal(LoopState.Stopping, kitchen.State), Patience);
        Assert.False(stopping.IsCompleted);
        Assert.False(group.Completion.IsCompleted);
        gate.Open();
        await WithinAsync(stopping);

        var kitchenReport = await WithinAsync(kitchen.Completion);
        var lobbyReport = await WithinAsync(lobby.Completion);
        Assert.Equal((StopMode.Drain, 51L, 0L), (kitchenReport.Mode, kitchenReport.Executed, kitchenReport.Discarded));
        Assert.Equal((StopMode.Drain, 50L, 0L), (lobbyReport.Mode, lobbyReport.Executed, lobbyReport.Discarded));
        Assert.Equal((50, 50), (kitchenRan, lobbyRan));

        // The group's report sums its loops': the two grouped loops ran on it and nothing was lost.
        var groupReport = await WithinAsync(group.Completion);
        Assert.Equal(new LoopGroupReport(Loops: 2, Executed: 101, Discarded: 0, CancelledCoroutines: 0, CancelledTimers: 0, TimedOut: false), groupReport);
        Assert.Equal(0, group.LoopCount);
    }

    [Fact]
    public async Task AddGroupedLoopActor_GroupOfOneThread_EveryLoopRunsOnThatOneThread()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLoopGroup("one", (_, o) => o with { ThreadCount = 1 });
        for (int i = 0; i < 3; i++)
        {
            builder.Services.AddGroupedLoopActor($"room-{i}", "one");
        }

        using var host = builder.Build();
        await host.StartAsync();
        var group = host.Services.GetRequiredKeyedService<LoopGroup>("one");
        var rooms = Enumerable.Range(0, 3).Select(i => host.Services.GetRequiredKeyedService<LoopActor>($"room-{i}")).ToArray();
        Assert.Equal(3, group.LoopCount);

        var seen = new List<(int Thread, bool Current)>();
        foreach (var room in rooms)
        {
            seen.Add(await WithinAsync(room.RunAsync(() => Task.FromResult((Environment.CurrentManagedThreadId, LoopActor.Current == room)))));
        }

        Assert.All(seen, s => Assert.True(s.Current));
        Assert.Single(seen.Select(s => s.Thread).Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, seen[0].Thread);

        await WithinAsync(host.StopAsync());
        var report = await WithinAsync(group.Completion);
        Assert.Equal((3, 3L, 0L), (report.Loops, report.Executed, report.Discarded));
    }

    [Fact]
    public async Task AddLoopGroup_ShutdownTimeoutPasses_HostStopsWhileTheGroupFinishesOnItsOwn()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(100));
        builder.Services.AddLoopGroup("slow-group");
        builder.Services.AddGroupedLoopActor("slow", "slow-group");
        using var host = builder.Build();
        await host.StartAsync();
        var group = host.Services.GetRequiredKeyedService<LoopGroup>("slow-group");
        var loop = host.Services.GetRequiredKeyedService<LoopActor>("slow");
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();

        await WithinAsync(host.StopAsync());
        Assert.Equal(LoopState.Stopping, loop.State);
        Assert.False(group.Completion.IsCompleted);
        gate.Open();
        var report = await WithinAsync(group.Completion);
        Assert.Equal((1, 1L, 0L, false), (report.Loops, report.Executed, report.Discarded, report.TimedOut));
    }

    [Fact]
    public async Task AddLoopGroup_OptionsTheGroupRefuses_HostStartThrowsTheGroupsArgumentException()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLoopGroup("none", o => o with { ThreadCount = 0 });
        using var host = builder.Build();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => host.StartAsync());
    }

    [Fact]
    public void AddLoopGroup_NullOrEmptyNameOrSameNameTwice_Throws()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentNullException>(() => services.AddLoopGroup(null!));
        Assert.Throws<ArgumentException>(() => services.AddLoopGroup(""));
        Assert.Throws<ArgumentNullException>(() => services.AddLoopGroup("g", (Func<LoopGroupOptions, LoopGroupOptions>)null!));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddLoopGroup("g"));

        services.AddLoopGroup("rooms");
        Assert.Throws<InvalidOperationException>(() => services.AddLoopGroup("rooms"));
    }

    [Fact]
    public void AddGroupedLoopActor_BadNamesUnknownGroupOrTakenName_Throws()
    {
        var services = new ServiceCollection();
        services.AddLoopGroup("rooms");
        services.AddLoopActor("dedicated");

        Assert.Throws<ArgumentNullException>(() => services.AddGroupedLoopActor(null!, "rooms"));
        Assert.Throws<ArgumentException>(() => services.AddGroupedLoopActor("", "rooms"));
        Assert.Throws<ArgumentNullException>(() => services.AddGroupedLoopActor("lobby", null!));
        Assert.Throws<ArgumentException>(() => services.AddGroupedLoopActor("lobby", ""));
        Assert.Throws<ArgumentNullException>(() => services.AddGroupedLoopActor("lobby", "rooms", (Func<LoopOptions, LoopOptions>)null!));

        // The group must be registered first; loop names are one key space with AddLoopActor's.
        Assert.Throws<InvalidOperationException>(() => services.AddGroupedLoopActor("lobby", "nowhere"));
        Assert.Throws<InvalidOperationException>(() => services.AddGroupedLoopActor("dedicated", "rooms"));
        services.AddGroupedLoopActor("lobby", "rooms");
        Assert.Throws<InvalidOperationException>(() => services.AddGroupedLoopActor("lobby", "rooms"));
        Assert.Throws<InvalidOperationException>(() => services.AddLoopActor("lobby"));
    }
}
