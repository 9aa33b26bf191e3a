using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Ecosystem;

public sealed class MetricsTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Metrics_ExecutedRefusedDepthTimersAndFaults_AreExactAndTaggedWithTheLoopName()
    {
        string name = $"metrics-{Guid.NewGuid():N}";
        using var executed = new MetricCollector<long>(null, LoopMetrics.MeterName, LoopMetrics.MessagesExecuted);
        using var refused = new MetricCollector<long>(null, LoopMetrics.MeterName, LoopMetrics.MessagesRefused);
        using var depth = new MetricCollector<long>(null, LoopMetrics.MeterName, LoopMetrics.MailboxDepth);
        using var timers = new MetricCollector<long>(null, LoopMetrics.MeterName, LoopMetrics.PendingTimers);
        using var faults = new MetricCollector<long>(null, LoopMetrics.MeterName, LoopMetrics.Faults);
        using var durations = new MetricCollector<double>(null, LoopMetrics.MeterName, LoopMetrics.CallbackDuration);
        var loop = Spawn(new LoopOptions { MailboxCapacity = 3, FullMode = MailboxFullMode.Wait }, name);

        for (int i = 0; i < 10; i++)
        {
            await loop.PostAsync(() => { });
        }

        await loop.PostAsync(() => throw new InvalidOperationException("one"));
        await loop.PostAsync(() => throw new InvalidOperationException("two"));
        loop.CallLater(TimeSpan.FromHours(1), () => { });
        await loop.RunAsync(async () => await LoopActor.Yield()); // the timer is in; every earlier message has run

        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => { });
        loop.Post(() => { });
        loop.Post(() => { });
        Assert.False(loop.TryPost(() => { })); // full: refused

        Assert.Equal(14, Observe(executed, name));   // 10 + 2 faulting + the RunAsync + the Hold now running
        Assert.Equal(1, Observe(refused, name));
        Assert.Equal(3, Observe(depth, name));
        Assert.Equal(1, Observe(timers, name));
        Assert.Equal(2, faults.GetMeasurementSnapshot().Where(m => Tagged(m.Tags, name)).Sum(m => m.Value));
        Assert.Contains(durations.GetMeasurementSnapshot(), m => Tagged(m.Tags, name) && m.Value >= 0);
        gate.Open();
        await WithinAsync(loop.StopAsync());
        Assert.Equal("one", (await ExpectFaultAsync<InvalidOperationException>(loop)).Message);
        Assert.Equal("two", (await ExpectFaultAsync<InvalidOperationException>(loop)).Message);
    }

    [Fact]
    public async Task CallbackDuration_IsRecordedInSeconds_BetweenWhatTheCallbackSpentAndWhatTheSenderWaited()
    {
        string name = $"metrics-{Guid.NewGuid():N}";
        using var durations = new MetricCollector<double>(null, LoopMetrics.MeterName, LoopMetrics.CallbackDuration);
        var loop = Spawn(name: name);
        var spent = TimeSpan.FromMilliseconds(5);

        // A busy wait, not a sleep: the callback is known to have run at least `spent` on the loop thread.
        var outer = System.Diagnostics.Stopwatch.StartNew();
        loop.Post(() =>
        {
            var inner = System.Diagnostics.Stopwatch.StartNew();
            while (inner.Elapsed < spent)
            {
            }
        });
        await loop.RunAsync(() => Task.CompletedTask); // runs after the callback, so its duration is recorded by now
        double waited = outer.Elapsed.TotalSeconds;

        double recorded = durations.GetMeasurementSnapshot().Where(m => Tagged(m.Tags, name)).Max(m => m.Value);
        Assert.InRange(recorded, spent.TotalSeconds, waited);
        await WithinAsync(loop.StopAsync());
    }

    /// <summary>The loop's last observed value of the collector's observable instrument, recorded now.</summary>
    internal static long Observe(MetricCollector<long> collector, string loopName)
    {
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().Last(m => Tagged(m.Tags, loopName)).Value;
    }

    private static bool Tagged(IReadOnlyDictionary<string, object?> tags, string loopName) =>
        tags.TryGetValue(LoopMetrics.LoopNameTag, out var value) && loopName.Equals(value);
}
