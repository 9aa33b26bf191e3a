using Mailbox.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Mailbox.Tests.Ecosystem;

public sealed class HostingTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task AddLoopActor_RealHost_StartsWithTheHostResolvesByNameAndDrainsWorkInFlightOnStop()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLoopActor("orders", o => o with { MailboxCapacity = 100 });
        builder.Services.AddLoopActor("billing");
        using var host = builder.Build();
        await host.StartAsync();

        var orders = host.Services.GetRequiredKeyedService<LoopActor>("orders");
        var billing = host.Services.GetRequiredKeyedService<LoopActor>("billing");
        Assert.Equal("orders", orders.Name);
        Assert.Equal("billing", billing.Name);
        Assert.Same(orders, host.Services.GetRequiredKeyedService<LoopActor>("orders"));
        Assert.Equal(LoopState.Running, orders.State);

        // Work in flight: a held callback and queued messages behind it.
        using var gate = new Gate();
        int ran = 0;
        orders.Post(gate.Hold);
        await gate.EnteredAsync();
        for (int i = 0; i < 50; i++)
        {
            orders.Post(() => ran++);
        }

        var stopping = host.StopAsync();
        await AwaitAssertAsync(() => Assert.Equal(LoopState.Stopping, orders.State), Patience);
        Assert.False(stopping.IsCompleted);
        gate.Open();
        await WithinAsync(stopping);

        var report = await WithinAsync(orders.Completion);
        Assert.Equal(StopMode.Drain, report.Mode);
        Assert.Equal(51, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(50, ran);
        await WithinAsync(billing.Completion);
        Assert.Equal(LoopState.Stopped, billing.State);
    }

    [Fact]
    public async Task AddLoopActor_ShutdownTimeoutPasses_HostStopsWhileTheLoopFinishesOnItsOwn()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(100));
        builder.Services.AddLoopActor("slow");
        using var host = builder.Build();
        await host.StartAsync();
        var loop = host.Services.GetRequiredKeyedService<LoopActor>("slow");
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();

        await WithinAsync(host.StopAsync());
        Assert.Equal(LoopState.Stopping, loop.State);
        gate.Open();
        Assert.Equal(1, (await WithinAsync(loop.Completion)).Executed);
    }

    [Fact]
    public void AddLoopActor_SameNameTwice_Throws()
    {
        var services = new ServiceCollection();
        services.AddLoopActor("dup");
        Assert.Throws<InvalidOperationException>(() => services.AddLoopActor("dup"));
        Assert.Throws<ArgumentException>(() => services.AddLoopActor(""));
    }
}
