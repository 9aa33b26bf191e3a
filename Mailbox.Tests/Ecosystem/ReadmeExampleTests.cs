using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;
using Xunit.Abstractions;

namespace Mailbox.Tests.Ecosystem;

/// <summary>The README's code, verbatim in substance, so the documentation cannot drift from the library.</summary>
public sealed class ReadmeExampleTests(ITestOutputHelper output) : AkkaTestKit(output: output)
{
    [Fact]
    public async Task QuickStart_AsWritten_Works()
    {
        await using var loop = LoopActor.Spawn("orders");

        loop.Post(() => Console.WriteLine("runs on the loop"));
        loop.Post(static n => Console.WriteLine(n), 42);

        int total = await loop.RunAsync(async () =>
        {
            await LoopActor.Delay(TimeSpan.FromMilliseconds(10));
            await LoopActor.Yield();
            return 42;
        });

        var timer = loop.CallEvery(TimeSpan.FromSeconds(1), () => Console.WriteLine("tick"));
        TimerToken timeout = loop.CallLater(TimeSpan.FromSeconds(5), static s => Console.WriteLine(s), "timed out");
        bool stopped = timeout.Cancel();
        PendingWork pending = await loop.QueryPendingAsync();
        StopReport report = await loop.StopAsync(StopMode.Drain);

        Assert.Equal(42, total);
        Assert.True(stopped);
        Assert.Equal(1, pending.PendingTimers);
        Assert.Equal(3, report.Executed);
        Assert.Equal(1, report.CancelledTimers);
        Assert.True(timer.IsCancelled);
    }
}
