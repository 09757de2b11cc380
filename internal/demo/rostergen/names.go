package rostergen

import "strings"

// Name and place lists. They mix languages on purpose: a roster importer
// must take accents, apostrophes and two-word family names in its stride.

var givenNames = strings.Fields(`Aaliyah Abdul Adele Adrián Ahmed Aiko Aisha Alejandro Alice Amara Amélie Ana Andrei
Anika Anna Arjun Astrid Ayesha Barbara Beatriz Ben Bilal Björn Camille Carlos Catherine Chen Chiara Chloe Chukwuma
Dalia Daniel David Deepika Dmitri Dolores Eamon Elena Elif Elijah Emeka Emma Esther Fatima Felix Florence François
Gabriel Grace Guadalupe Hana Hassan Helen Hugo Ibrahim Inés Isaac Ivan Jamal James Javier Jennifer Jin João Jonas
Joseph Julia Kai Kamala Karim Kateřina Kenji Kwame Lara Leila Liam Lin Linda Lucía Luis Maeve Malik Margaret María
Mateo Maya Mehmet Mei Michael Miguel Mira Mohammed Nadia Naomi Nikhil Noah Nora Olga Omar Oscar Pablo Patricia Pedro
Priya Rafael Rania Ravi Robert Rosa Ruth Sami Sara Sean Siobhán Sofia Søren Sven Tariq Thomas Tomás Uma Valentina
Victor Wei William Yara Yusuf Zainab Zoë Zofia`)

var familyNames = append(strings.Fields(`Abbott Adeyemi Ahmed Alvarez Andersen Baptiste Becker Bianchi Brennan Brown
Campbell Castillo Chowdhury Costa Davis Dubois Eriksen Fernandes Fischer Gallagher Garcia Goldberg Gonzalez Gupta
Haddad Hansen Hernandez Hoffmann Ibrahim Ivanova Jackson Jensen Johnson Jones Kaur Kelly Khan Kim Kowalski Larsen Lee
Lopez Mahmoud Martin Martínez Mendes Miller Moreau Murphy Müller Nakamura Nguyen Novak Nowak Obi Okafor Olsen Park Patel
Pereira Petrov Quinn Rahman Ramos Reyes Rossi Santos Schmidt Silva Singh Smith Sokolov Suzuki Tanaka Taylor Thomas
Torres Vargas Wagner Walsh Wang Weber Williams Wilson Yamamoto Yılmaz Zhang Øverland`),
	"O'Brien", "O'Connor", "D'Angelo", "Van Dijk", "de la Cruz", "Da Silva", "Mac Giolla", "Ben-David", "Smith-Jones")

// domains avoid the bare example.org of the demo organization (package
// demo), so a generated roster imported into the demo matches none of its
// members.
var domains = []string{"members.example.org", "example.com", "example.net", "mail.example.org", "post.example.com", "inbox.example.net"}

var streets = strings.Fields(`Maple Oak Cedar Pine Elm Birch Willow Chestnut Walnut Spruce Ash Poplar Hickory Magnolia
Lincoln Washington Jefferson Madison Franklin Jackson Park Lake Hill River Church Mill Market Union Spring Water Bridge
Station Garden Meadow Orchard Harbor Forest Valley Sunset`)

var streetKinds = []string{"Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Boulevard", "Way"}

var towns = strings.Fields(`Springfield Riverside Fairview Franklin Greenville Bristol Clinton Georgetown Salem Madison
Arlington Ashland Burlington Dover Hudson Kingston Lexington Milton Newport Oxford Auburn Dayton Jackson Marion Oakland`)

var states = strings.Fields(`AL AK AZ CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY
NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY`)
