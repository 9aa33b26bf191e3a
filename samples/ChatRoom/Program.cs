// ChatRoom: one loop per room, many client threads posting, periodic timers flushing, graceful stop.
using System.Diagnostics;
using ChatRoom;

const int Clients = 8;
const int MessagesPerClient = 20_000;
string[] names = ["lobby", "dotnet", "random"];

var clock = Stopwatch.StartNew();
var rooms = names.Select(n => new Room(n)).ToArray();
var clients = Enumerable.Range(0, Clients).Select(c => new Thread(() =>
{
    var room = rooms[c % rooms.Length];
    for (int i = 0; i < MessagesPerClient; i++)
    {
        room.Say(c, i, $"message {i}");
    }
}) { Name = $"client-{c}" }).ToArray();
foreach (var t in clients) t.Start();
foreach (var t in clients) t.Join();
Console.WriteLine($"{Clients} clients sent {Clients * MessagesPerClient:N0} messages to {rooms.Length} rooms in {clock.ElapsedMilliseconds} ms");

bool ok = true;
foreach (var room in rooms)
{
    var (report, delivered, flushes, outOfOrder) = await room.CloseAsync();
    long expected = Enumerable.Range(0, Clients).Count(c => c % rooms.Length == Array.IndexOf(rooms, room)) * (long)MessagesPerClient;
    Console.WriteLine($"room {room.Name,-7} delivered {delivered,7:N0} of {expected,7:N0} in {flushes,3} flushes, out of order {outOfOrder}; {report}");
    ok &= delivered == expected && outOfOrder == 0 && report.Discarded == 0 && report.Executed == expected + 1;
}

Console.WriteLine(ok ? "OK" : "UNEXPECTED");
return ok ? 0 : 1;
