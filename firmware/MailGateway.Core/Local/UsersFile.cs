// The text of the users file (USERS.DAT), read and written. ASCII, lines end in LF or CRLF:
//
//   # MailGateway users: name:mailbox-folder:pbkdf2-sha256$iterations$salt$hash
//   #next-folder 3
//   person1:U0000001:pbkdf2-sha256$10000$kR1x...==$Xy7c...=
//   person2:U0000002:pbkdf2-sha256$10000$0bq1...==$2hT9...=
//   #end 2
//
// One line per user (UserName, an 8.3 folder name without extension, PasswordHash). Lines that
// start with '#' are comments, except two directives: "#next-folder N", the number of the next
// mailbox folder (U0000001, U0000002, …; numbers are never reused, so a new user never sees a
// removed user's mail), and "#end N", which must be the last line and give the number of users.
// The end line is how a reader knows the file is complete: a file cut short anywhere, even at a
// line boundary, lacks it. Blank lines and spaces or tabs around a line are ignored.
using System.Collections;
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Local
{
    public static class UsersFile
    {
        public const string EndDirective = "#end";
        public const string NextFolderDirective = "#next-folder";
        public const string FolderPrefix = "U";
        public const int FolderDigits = 7;
        public const int MaxFolderNumber = 9999999;

        /// <summary>The mailbox folder name for a number: U0000001.</summary>
        public static string FolderName(int number)
        {
            return FolderPrefix + Text.Ascii.Digits(number, FolderDigits);
        }

        /// <summary>The number of a folder name made by FolderName, else 0.</summary>
        public static int FolderNumber(string folder)
        {
            if (folder.Length != 1 + FolderDigits || folder[0] != 'U') return 0;
            long n;
            return Text.Ascii.TryParseLong(folder.Substring(1), out n) ? (int)n : 0;
        }

        /// <summary>The file's text for these users.</summary>
        public static byte[] Format(ArrayList users, int nextFolder)
        {
            Text.ByteBuffer output = new Text.ByteBuffer(128 + users.Count * 128);
            output.Append("# MailGateway users: name:mailbox-folder:pbkdf2-sha256$iterations$salt$hash\n");
            output.Append("# Written by the gateway; change it with \"mailgw user\". The #end line must stay last.\n");
            output.Append(NextFolderDirective + " " + nextFolder.ToString() + "\n");
            for (int i = 0; i < users.Count; i++)
            {
                UserEntry user = (UserEntry)users[i];
                output.Append(user.Name + ":" + user.Folder + ":" + PasswordHash.Format(user) + "\n");
            }
            output.Append(EndDirective + " " + users.Count.ToString() + "\n");
            return output.ToArray();
        }

        /// <summary>
        /// Parses a whole file into users (UserEntry, in file order) and the next folder number (at
        /// least one more than any U-numbered folder in the file). Null when the file is complete
        /// and valid, else the problem, prefixed with fileName and the line number.
        /// </summary>
        public static string Parse(byte[] data, int length, string fileName, ArrayList users, out int nextFolder)
        {
            nextFolder = 1;
            int lineNumber = 0;
            int start = 0;
            bool ended = false;
            while (start < length)
            {
                lineNumber++;
                int end = start;
                while (end < length && data[end] != Text.Ascii.LF) end++;
                int next = end + 1;
                if (end > start && data[end - 1] == Text.Ascii.CR) end--;
                for (int i = start; i < end; i++)
                {
                    byte b = data[i];
                    if (b >= 128 || (b < 32 && b != Text.Ascii.Tab)) return At(fileName, lineNumber, "a character that is not printable ASCII");
                }
                string line = Text.Ascii.Trim(Text.Ascii.GetString(data, start, end - start));
                start = next;
                if (line.Length == 0) continue;
                if (ended) return At(fileName, lineNumber, "text after the " + EndDirective + " line");
                if (line[0] == '#')
                {
                    long value;
                    if (IsDirective(line, EndDirective))
                    {
                        if (!Text.Ascii.TryParseLong(Text.Ascii.Trim(line.Substring(EndDirective.Length)), out value))
                            return At(fileName, lineNumber, EndDirective + " needs the number of users");
                        if (value != users.Count)
                            return At(fileName, lineNumber, EndDirective + " says " + value.ToString() + " users, the file has " + users.Count.ToString());
                        ended = true;
                    }
                    else if (IsDirective(line, NextFolderDirective))
                    {
                        if (!Text.Ascii.TryParseLong(Text.Ascii.Trim(line.Substring(NextFolderDirective.Length)), out value) ||
                            value < 1 || value > MaxFolderNumber + 1)
                        {
                            return At(fileName, lineNumber, NextFolderDirective + " needs a number from 1 to " + (MaxFolderNumber + 1).ToString());
                        }
                        if (value > nextFolder) nextFolder = (int)value;
                    }
                    continue;
                }
                string problem = ParseUser(line, users);
                if (problem != null) return At(fileName, lineNumber, problem);
                int number = FolderNumber(((UserEntry)users[users.Count - 1]).Folder);
                if (number >= nextFolder) nextFolder = number + 1;
            }
            if (!ended) return fileName + ": incomplete: no " + EndDirective + " line at the end";
            return null;
        }

        private static string ParseUser(string line, ArrayList users)
        {
            int a = line.IndexOf(':');
            int b = a < 0 ? -1 : line.IndexOf(':', a + 1);
            if (b < 0 || line.IndexOf(':', b + 1) >= 0) return "expected name:mailbox-folder:password-hash";
            UserEntry user = new UserEntry();
            user.Name = line.Substring(0, a);
            string problem = UserName.Problem(user.Name);
            if (problem != null) return problem;
            user.Name = UserName.Canonical(user.Name);
            user.Folder = line.Substring(a + 1, b - a - 1);
            if (!FatName.IsValid(user.Folder) || user.Folder.IndexOf('.') >= 0)
                return "the mailbox folder \"" + user.Folder + "\" is not an 8.3 name without extension";
            problem = PasswordHash.TryParse(line.Substring(b + 1), user);
            if (problem != null) return problem;
            for (int i = 0; i < users.Count; i++)
            {
                UserEntry other = (UserEntry)users[i];
                if (other.Name == user.Name) return "user " + user.Name + " appears twice";
                if (other.Folder == user.Folder) return "users " + other.Name + " and " + user.Name + " share the folder " + user.Folder;
            }
            users.Add(user);
            return null;
        }

        private static bool IsDirective(string line, string directive)
        {
            if (!line.StartsWith(directive)) return false;
            return line.Length == directive.Length || line[directive.Length] == ' ' || line[directive.Length] == '\t';
        }

        private static string At(string fileName, int lineNumber, string problem)
        {
            return fileName + ":" + lineNumber.ToString() + ": " + problem;
        }
    }
}
