// ManyRooms: 100,000 rooms in one loop group (a few threads, not 100,000), each with a periodic flush timer; client
// threads post into random rooms, then a graceful stop of the group accounts for every message.
using System.Diagnostics;
using Mailbox;
using ManyRooms;

const int RoomCount = 100_000;
const int Clients = 4;
const int PostsAfterStop = 1_000; // each client goes on this long once the stop has begun: those posts meet the stop
var postingTime = TimeSpan.FromSeconds(2);

var clock = Stopwatch.StartNew();
await using var group = LoopGroup.Create("rooms");
var rooms = new Room[RoomCount];
for (int i = 0; i < RoomCount; i++)
{
    rooms[i] = new Room(group, i);
}

Console.WriteLine($"{RoomCount:N0} rooms on {group.ThreadCount} threads spawned in {clock.ElapsedMilliseconds} ms ({clock.Elapsed.TotalMicroseconds / RoomCount:F1} µs each)");

long sent = 0, refused = 0; // summed by the clients as they finish
bool stopBegun = false;
var clients = Enumerable.Range(0, Clients).Select(c => new Thread(() =>
{
    var random = new Random(c);
    long mySent = 0, myRefused = 0;
    for (int after = 0; after < PostsAfterStop; after += Volatile.Read(ref stopBegun) ? 1 : 0)
    {
        mySent++;
        if (!rooms[random.Next(RoomCount)].TrySay(c))
        {
            myRefused++;
        }
    }

    Interlocked.Add(ref sent, mySent);
    Interlocked.Add(ref refused, myRefused);
}) { Name = $"client-{c}" }).ToArray();

clock.Restart();
foreach (var t in clients) t.Start();
await Task.Delay(postingTime);

var stopClock = Stopwatch.StartNew();
var stopping = group.StopAsync(StopMode.Drain); // refuses new messages, runs every one accepted, cancels the timers
Volatile.Write(ref stopBegun, true);
foreach (var t in clients) t.Join();
double postingSeconds = clock.Elapsed.TotalSeconds;
var report = await stopping;
stopClock.Stop();

var totals = rooms.Select(r => r.Totals).ToArray(); // every loop has stopped: reading room state is safe now
long received = totals.Sum(t => t.Received);
Console.WriteLine($"{Clients} clients posted {sent:N0} messages into random rooms in {postingSeconds:F1} s: {sent / postingSeconds / 1e6:F2} M posts/s");
Console.WriteLine($"rooms received {received:N0}, {totals.Sum(t => t.Flushed):N0} of them in {totals.Sum(t => t.Flushes):N0} flushes before the stop");
Console.WriteLine($"graceful stop of {report.Loops:N0} rooms in {stopClock.ElapsedMilliseconds} ms: {report}");
Console.WriteLine($"sent {sent:N0} = executed {report.Executed:N0} + refused {refused:N0} + discarded {report.Discarded:N0}");

bool ok = sent == report.Executed + refused + report.Discarded
    && report.Discarded == 0 && !report.TimedOut && received == report.Executed && report.Loops == RoomCount;
Console.WriteLine(ok ? "OK" : "UNEXPECTED");
return ok ? 0 : 1;
