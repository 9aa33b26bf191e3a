using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Ecosystem;

public sealed class LoggingTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Logging_LifecycleFaultsAndSlowCallbacks_AreLoggedWithTheirEventIdsAndTheLoopName()
    {
        var collector = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        var loop = Spawn(new LoopOptions { LoggerFactory = factory, SlowCallbackThreshold = TimeSpan.FromMilliseconds(200) }, "logged");
        loop.Post(() => throw new FormatException("bad input"));
        loop.Post(SpinQuarterSecond);
        await WithinAsync(loop.StopAsync());

        var records = collector.GetSnapshot();
        Assert.Contains(records, r => r.Id.Id == 1 && r.Level == LogLevel.Debug);
        Assert.Contains(records, r => r.Id.Id == 2 && r.Level == LogLevel.Information);
        Assert.Contains(records, r => r.Id.Id == 3 && r.Message.Contains("executed 2", StringComparison.Ordinal));
        var fault = Assert.Single(records, r => r.Id.Id == 10);
        Assert.Equal(LogLevel.Error, fault.Level);
        Assert.Contains("LoggingTests.Logging_LifecycleFaultsAndSlowCallbacks_AreLoggedWithTheirEventIdsAndTheLoopName (lambda)", fault.Message, StringComparison.Ordinal);
        Assert.IsType<FormatException>(fault.Exception);
        Assert.Same(fault.Exception, await ExpectFaultAsync<FormatException>(loop));
        var slow = Assert.Single(records, r => r.Id.Id == 20);
        Assert.Equal(LogLevel.Warning, slow.Level);
        Assert.Contains(nameof(SpinQuarterSecond), slow.Message, StringComparison.Ordinal);
        Assert.All(records, r => Assert.Contains("logged", r.Message, StringComparison.Ordinal));
        Assert.All(records, r => Assert.Equal("Mailbox.LoopActor", r.Category));
    }

    [Fact]
    public async Task Observer_ThatThrows_IsLoggedEachTimeAndTheLoopGoesOnAndStops()
    {
        var collector = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        var observer = new ThrowingObserver();
        var loop = Spawn(new LoopOptions { LoggerFactory = factory, Observer = observer }, "observed");
        loop.Post(() => throw new FormatException("bad input")); // an event the observer throws on, inside the turn
        Assert.Equal(2, await WithinAsync(loop.RunAsync(() => Task.FromResult(2))));
        var report = await WithinAsync(loop.StopAsync());

        // Every throw was logged, in order, as event 12 with the observer's own exception; OnCompleted's throw came
        // last, after the stop had completed its work, and did not keep the stop from completing.
        Assert.Equal(2, report.Executed);
        var failures = collector.GetSnapshot().Where(r => r.Id.Id == 12).ToArray();
        Assert.Equal(observer.Thrown.ToArray(), failures.Select(r => r.Exception).ToArray());
        Assert.Contains(failures, r => r.Exception!.Message == "OnNext CallbackFaulted");
        Assert.Equal("OnCompleted", failures[^1].Exception!.Message);
        Assert.All(failures, r =>
        {
            Assert.Equal(LogLevel.Warning, r.Level);
            Assert.Equal("Loop observed: the observer threw", r.Message);
        });
        Assert.Equal("bad input", (await ExpectFaultAsync<FormatException>(loop)).Message);
    }

    [Fact]
    public async Task OnUnhandledException_PolicyThrows_IsLoggedAsEvent11WithThePolicysException()
    {
        var collector = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        var loop = Spawn(new LoopOptions { LoggerFactory = factory, OnUnhandledException = _ => throw new ArithmeticException("policy broke") }, "policed");
        loop.Post(() => throw new FormatException("bad input"));
        Assert.Equal(1, await WithinAsync(loop.RunAsync(() => Task.FromResult(1))));
        await WithinAsync(loop.StopAsync());

        var failed = Assert.Single(collector.GetSnapshot(), r => r.Id.Id == 11);
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.Equal("Loop policed: the OnUnhandledException policy threw", failed.Message);
        Assert.Equal("policy broke", Assert.IsType<ArithmeticException>(failed.Exception).Message);
        Assert.Same(failed.Exception, await ExpectFaultAsync<ArithmeticException>(loop));
        Assert.Equal("bad input", (await ExpectFaultAsync<FormatException>(loop)).Message);
    }

    /// <summary>An observer that throws on every event and on completion, and keeps what it threw, in order.</summary>
    private sealed class ThrowingObserver : IObserver<LoopEvent>
    {
        public System.Collections.Concurrent.ConcurrentQueue<Exception> Thrown { get; } = new();

        public void OnNext(LoopEvent value) => throw Keep(new InvalidOperationException($"OnNext {value.GetType().Name}"));

        public void OnError(Exception error) => throw Keep(new InvalidOperationException("OnError"));

        public void OnCompleted() => throw Keep(new InvalidOperationException("OnCompleted"));

        private Exception Keep(Exception e)
        {
            Thrown.Enqueue(e);
            return e;
        }
    }

    private static void SpinQuarterSecond()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 250)
        {
            Thread.SpinWait(100);
        }
    }
}
