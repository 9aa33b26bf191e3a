// The asyncio cross-thread race, done right.
//
// In Python 3.7, two threads that call loop.run_until_complete(...) on one running loop get "This event loop is already
// running" — and yet the coroutine sometimes runs anyway. Here two threads each hand a coroutine to one loop actor;
// both get their results, every step runs on the loop thread, the loop is stopped with Drain and joined, and calling
// RunUntilComplete from the loop's own thread fails at once instead of hanging.
using System.Diagnostics;
using Mailbox;

var clock = Stopwatch.StartNew();
await using var loop = LoopActor.Spawn("two-threads");

string Where() => $"thread {Environment.CurrentManagedThreadId,2} ({Thread.CurrentThread.Name ?? "pool"})";
void Say(string what) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.00}s] {what,-44} on {Where()}");

async Task<string> Wait(int seconds)
{
    Say($"coroutine wait({seconds}) starts");
    await LoopActor.Delay(TimeSpan.FromSeconds(seconds));
    Say($"coroutine wait({seconds}) resumes");
    return $"waited {seconds}s";
}

// Two foreign threads, each blocking on its own coroutine: the asyncio pattern that used to race.
var results = new string[2];
var threads = Enumerable.Range(1, 2).Select(seconds => new Thread(() =>
{
    Say($"caller of wait({seconds}) sends its coroutine");
    results[seconds - 1] = loop.RunUntilComplete(() => Wait(seconds));
    Say($"caller of wait({seconds}) got \"{results[seconds - 1]}\"");
}) { Name = $"caller-{seconds}" }).ToArray();
foreach (var t in threads) t.Start();
foreach (var t in threads) t.Join();

// The loop's own thread may not block on the loop: the call throws at once.
string selfCall = await loop.RunAsync(() =>
{
    try
    {
        loop.RunUntilComplete(() => Task.FromResult(0));
        return Task.FromResult("RunUntilComplete on the loop thread returned (this must not happen)");
    }
    catch (InvalidOperationException e)
    {
        return Task.FromResult($"RunUntilComplete on the loop thread threw at once: {e.GetType().Name}");
    }
});
Say(selfCall);

loop.Post(() => Say("a last fire-and-forget callback"));
var report = await loop.StopAsync(StopMode.Drain);
Say("loop stopped and joined");
Console.WriteLine($"StopReport: {report}");
Console.WriteLine($"Results: {string.Join(", ", results)}");

bool ok = results[0] == "waited 1s" && results[1] == "waited 2s" && report.Executed == 4 && report.Discarded == 0
    && selfCall.Contains("threw at once", StringComparison.Ordinal);
Console.WriteLine(ok ? "OK" : "UNEXPECTED");
return ok ? 0 : 1;
